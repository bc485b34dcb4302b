"""The default rate limits, one line per limited action (`limits` notation).

Each can be overridden by the environment as `RATE_LIMITS='{"login_ip": "20/minute"}'`.
"""

DEFAULT_RATE_LIMITS: dict[str, str] = {
    "login_ip": "20/minute",
    "login_account": "10/15minutes",
    "signup_ip": "10/hour",
    "magic_link_ip": "10/hour",
    "magic_link_account": "5/hour",
    "password_reset_ip": "10/hour",
    "password_reset_account": "5/hour",
    "token_exchange_ip": "30/hour",
    "invite_accept_ip": "20/hour",
    "post_create_user": "30/hour",
    "comment_create_user": "120/hour",
    "message_send_user": "300/hour",
    "webhook_ip": "600/minute",
}
