"""Route policies: every route declares, through exactly one of these, who may call it.

A policy is a FastAPI dependency marked with `route_policy`. `app.main` refuses to
start when a route has none (or more than one), and the authorization-matrix test
walks the same routes. Use the typed aliases in route signatures:

    async def handler(_: PublicRoute) -> ...              # anyone, logged in or not
    async def handler(user: CurrentUser) -> ...           # a logged-in user
    async def handler(org: MemberManager) -> ...          # a member of {org_id} who may
                                                          # manage members (404 / 403)
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, FastAPI, Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts

from app.accounts.sessions import AuthenticatedUser
from app.authz.caller import MaybeUser
from app.authz.marks import policy_name, route_policy
from app.authz.org_context import (
    ORG_POLICY_PREFIX,
    OrgContext,
    contexts_of_caller,
    org_policy,
)
from app.authz.permissions import Permission
from app.core.dependencies import DbSession
from app.core.errors import NotAuthenticated


@route_policy("public")
async def public(request: Request) -> None:
    """Anyone may call the route; it must not reveal anything private."""


PublicRoute = Annotated[None, Depends(public)]


@route_policy("authenticated")
async def authenticated(caller: MaybeUser) -> AuthenticatedUser:
    """Any logged-in user."""
    if caller is None:
        raise NotAuthenticated()
    return caller


CurrentUser = Annotated[AuthenticatedUser, Depends(authenticated)]


async def caller_org_contexts(caller: CurrentUser, db: DbSession) -> list[OrgContext]:
    """The logged-in caller's context in each of their orgs (its policy is `authenticated`)."""
    return await contexts_of_caller(db, caller)


# For routes without an org in the path that show the caller's own orgs (the dashboard).
MyOrgContexts = Annotated[list[OrgContext], Depends(caller_org_contexts)]

# Members of the org in the path ({org_id}), with the permission each name says.
OrgMember = Annotated[OrgContext, Depends(org_policy(Permission.ORG_READ))]
OrgUpdater = Annotated[OrgContext, Depends(org_policy(Permission.ORG_UPDATE))]
MemberManager = Annotated[OrgContext, Depends(org_policy(Permission.MEMBERS_MANAGE))]
InviteManager = Annotated[OrgContext, Depends(org_policy(Permission.INVITES_MANAGE))]
AuditReader = Annotated[OrgContext, Depends(org_policy(Permission.AUDIT_READ))]
OrgOwner = Annotated[OrgContext, Depends(org_policy(Permission.OWNERSHIP_TRANSFER))]
SpaceCreator = Annotated[OrgContext, Depends(org_policy(Permission.SPACES_CREATE))]
SpaceManager = Annotated[OrgContext, Depends(org_policy(Permission.SPACES_MANAGE))]
BillingManager = Annotated[OrgContext, Depends(org_policy(Permission.BILLING_MANAGE))]


def _walk(dependant: Dependant) -> Iterator[Dependant]:
    yield dependant
    for child in dependant.dependencies:
        yield from _walk(child)


class ApiRoute:
    """One route as the app serves it: its full path, methods and resolved dependencies."""

    def __init__(self, path: str, methods: set[str], dependant: Dependant) -> None:
        self.path = path
        self.methods = methods
        self.dependant = dependant

    @property
    def policies(self) -> list[str]:
        names = [policy_name(dependant.call) for dependant in _walk(self.dependant)]
        return sorted({name for name in names if name})


def api_routes(app: FastAPI) -> list[ApiRoute]:
    """Every API route of the app, with included routers' prefixes and dependencies applied."""
    routes = []
    for context in iter_route_contexts(app.routes):
        if not isinstance(context.original_route, APIRoute):
            continue
        dependant = getattr(context, "dependant", None) or context.original_route.dependant
        routes.append(ApiRoute(str(context.path), set(context.methods or ()), dependant))
    return routes


class MissingRoutePolicy(RuntimeError):
    """A route was registered without declaring who may call it."""


def _policy_fault(route: ApiRoute) -> str | None:
    if len(route.policies) != 1:
        return "needs exactly one route policy"
    # A route naming an org in its path must check membership of that org, so a public
    # or merely logged-in policy there is a mistake, whatever the handler does after.
    if "{org_id}" in route.path and not route.policies[0].startswith(ORG_POLICY_PREFIX):
        return "names {org_id} and so needs an org policy"
    return None


def assert_every_route_declares_a_policy(app: FastAPI) -> None:
    offenders = [
        f"{sorted(route.methods)} {route.path}: {route.policies} {fault}"
        for route in api_routes(app)
        if (fault := _policy_fault(route)) is not None
    ]
    if offenders:
        raise MissingRoutePolicy("route policies are wrong: " + "; ".join(offenders))
