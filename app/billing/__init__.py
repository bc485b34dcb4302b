"""Paid memberships: the org's price, Stripe Checkout and Portal, and the payment webhook."""
