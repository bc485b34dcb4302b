"""Object rules inside an org: what depends on the target, not just the caller's role.

Services call these; a False answer for a visible object is a 403 (Forbidden), and
objects the caller may not see are never loaded in the first place (404).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from app.authz.org_context import OrgContext
from app.authz.permissions import Permission, Role, role_may
from app.posts.models import PostStatus
from app.spaces.models import Visibility


def may_assign_role(context: OrgContext, target_role: Role, new_role: Role) -> bool:
    """Nobody grants a role above their own, changes someone at or above their own, or
    makes an owner (ownership moves only by transfer)."""
    return (
        context.may(Permission.MEMBERS_MANAGE)
        and new_role != Role.OWNER
        and context.role.rank >= new_role.rank
        and context.role.outranks(target_role)
    )


def may_remove_member(context: OrgContext, target_user_id: uuid.UUID, target_role: Role) -> bool:
    """Members leave by themselves (the owner only after a transfer); admins remove those below."""
    if target_user_id == context.user_id:
        return context.role != Role.OWNER
    return context.may(Permission.MEMBERS_MANAGE) and context.role.outranks(target_role)


def may_invite_as(context: OrgContext, role: Role) -> bool:
    return (
        context.may(Permission.INVITES_MANAGE)
        and role != Role.OWNER
        and context.role.rank >= role.rank
    )


def may_see_email_of(context: OrgContext, user_id: uuid.UUID) -> bool:
    """A member's email only to themself and admins (C11)."""
    return user_id == context.user_id or context.may(Permission.MEMBERS_READ_EMAIL)


def may_see_payment_of(context: OrgContext, user_id: uuid.UUID) -> bool:
    """Payment status only to that member and owner/admins (C11)."""
    return user_id == context.user_id or context.may(Permission.BILLING_READ_ALL)


# -- spaces, posts, comments, direct messages ---------------------------------------------


@dataclass(frozen=True)
class SpaceAccess:
    """What the space rules look at: the space's visibility and whether the person is in it."""

    visibility: str
    is_member: bool


def may_see_space(context: OrgContext, space: SpaceAccess) -> bool:
    """Open and paid spaces are listed to every member of the org; a private one only to its
    members and to those who manage spaces (C11). Anyone else gets 404."""
    if space.visibility != Visibility.PRIVATE:
        return True
    return space.is_member or context.may(Permission.SPACES_SEE_ALL)


def space_content_readable(space: SpaceAccess, role: Role, payment_active: bool) -> bool:
    """Open: every member. Private: its members only, admins included (an admin adds
    themself first, and then shows in its member list). Paid: members with an active
    payment, and the roles that run the org (C11)."""
    if space.visibility == Visibility.PRIVATE:
        return space.is_member
    if space.visibility == Visibility.PAID:
        return payment_active or role_may(role, Permission.SPACES_READ_PAID)
    return True


def may_read_space(context: OrgContext, space: SpaceAccess) -> bool:
    return space_content_readable(space, context.role, context.payment_active)


def may_join_space(context: OrgContext, space: SpaceAccess) -> bool:
    """Open spaces are joined freely and paid ones by those who may read them; a private
    space is entered only by being added."""
    if space.visibility == Visibility.PRIVATE:
        return space.is_member
    return may_read_space(context, space)


def may_list_space_members(context: OrgContext, space: SpaceAccess) -> bool:
    return may_read_space(context, space) or context.may(Permission.SPACES_MANAGE)


def may_remove_from_space(context: OrgContext, target_user_id: uuid.UUID) -> bool:
    """Members leave by themselves; those who manage spaces remove anyone."""
    return target_user_id == context.user_id or context.may(Permission.SPACES_MANAGE)


def may_see_post(
    context: OrgContext, space: SpaceAccess, author_id: uuid.UUID, status: str
) -> bool:
    """A post shows where its space's content does; a draft only to its author, admins
    and owner included (C11)."""
    if not may_read_space(context, space):
        return False
    return status == PostStatus.PUBLISHED or author_id == context.user_id


def may_edit_post(context: OrgContext, author_id: uuid.UUID) -> bool:
    """Only the author changes what a post says; moderators remove, never rewrite."""
    return author_id == context.user_id


def may_delete_content(context: OrgContext, author_id: uuid.UUID) -> bool:
    """A post or comment is deleted by its author or by a moderator and up."""
    return author_id == context.user_id or context.may(Permission.CONTENT_MODERATE)


def may_read_conversation(
    context: OrgContext, participant_membership_ids: Iterable[uuid.UUID]
) -> bool:
    """Direct messages only to their participants: admins and the owner are no exception
    (C11). Participation belongs to a membership, so one from before leaving the org (and
    coming back) grants nothing."""
    return context.membership_id in set(participant_membership_ids)


def may_message(context: OrgContext, blocks: Iterable[tuple[uuid.UUID, uuid.UUID]]) -> bool:
    """A block, as (blocker, blocked), stops messages both ways: the blocked member cannot
    open or write to a conversation with the blocker, nor the blocker with them until they
    unblock."""
    return not any(context.user_id in pair for pair in blocks)
