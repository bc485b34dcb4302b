"""Org-owned rows are read and written only by repository functions that take the org.

Every public function of a repository of org data takes an `OrgContext` or an `OrgScope`
(both issued only by app.authz), except the few lookups whose proof is a token or a
signature rather than a membership: each is listed here with why. And org-owned
records are created only in repositories, so a service cannot write one with an org id
of its own choosing.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import typing

from app.authz.org_context import OrgContext, OrgScope
from tests.structure.imports import app_modules

ORG_DATA_REPOSITORIES = [
    "app.orgs.repository",
    "app.spaces.repository",
    "app.posts.repository",
    "app.messages.repository",
    "app.billing.repository",
]

UNSCOPED = {
    "app.orgs.repository.invite_by_id": "the invite token's bearer, before any membership",
    "app.orgs.repository.invite_names": "names shown on an invite whose token was verified",
    "app.orgs.repository.mark_invite_accepted": "spends a verified invite token",
    "app.orgs.repository.orgs_of_user": "the caller's own memberships, across orgs",
    "app.orgs.repository.slug_is_taken": "slugs are unique across all orgs",
    "app.billing.repository.standings_of_user": "the caller's own memberships, across orgs",
    "app.billing.repository.account_by_stripe_ids": "a signed Stripe event's customer",
    "app.billing.repository.membership_named": "a signed Stripe event's metadata",
    "app.billing.repository.remember_event": "Stripe event ids, not org rows",
    "app.billing.repository.set_event_outcome": "Stripe event ids, not org rows",
}

ORG_OWNED_MODELS = {
    "Post",
    "Comment",
    "Space",
    "SpaceMembership",
    "Membership",
    "Invite",
    "Conversation",
    "ConversationParticipant",
    "Message",
    "Block",
    "BillingAccount",
    "BillingPlan",
}


def _carries_the_org(hint: object) -> bool:
    """The hint is an OrgContext or OrgScope, or a container of them (the contexts of
    one caller's orgs, as the dashboard reads every org at once)."""
    if hint in (OrgContext, OrgScope):
        return True
    return any(_carries_the_org(argument) for argument in typing.get_args(hint))


def _takes_the_org(function: typing.Callable[..., object]) -> bool:
    hints = typing.get_type_hints(function)
    hints.pop("return", None)
    return any(_carries_the_org(hint) for hint in hints.values())


def test_every_org_repository_function_takes_the_org_context_or_scope() -> None:
    unscoped = []
    for module_name in ORG_DATA_REPOSITORIES:
        module = importlib.import_module(module_name)
        for name, function in inspect.getmembers(module, inspect.isfunction):
            qualified = f"{module_name}.{name}"
            if function.__module__ != module_name or name.startswith("_"):
                continue
            if not _takes_the_org(function) and qualified not in UNSCOPED:
                unscoped.append(qualified)
    assert unscoped == []


def test_every_listed_exception_still_exists() -> None:
    missing = []
    for qualified in UNSCOPED:
        module_name, name = qualified.rsplit(".", 1)
        if not hasattr(importlib.import_module(module_name), name):
            missing.append(qualified)
    assert missing == []


def test_org_owned_records_are_created_only_in_repositories() -> None:
    outside = []
    for module_name, path in app_modules().items():
        if module_name.endswith((".repository", ".models")):
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            called = node.func if isinstance(node, ast.Call) else None
            if isinstance(called, ast.Name) and called.id in ORG_OWNED_MODELS:
                outside.append(f"{module_name}:{called.lineno} {called.id}(...)")
    assert outside == []
