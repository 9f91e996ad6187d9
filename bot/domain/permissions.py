"""Who may do what in a meeting, by role: the one place a role is compared to decide.

Every command and action asks `require` (or `allowed`, for what is only shown or hidden, such
as the Home's buttons).  A refusal is written to the audit log here, once, and returned as a
`Refusal` for `bot.views.refusals` to put into words.
"""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlmodel import Session

from bot.domain.audit import record_audit
from bot.domain.meetings import find_participant, role_ids
from models import Meeting, Role


class Permission(StrEnum):
    DECIDE = "decide"  # /approve, the decision form, silence procedures
    MOVE_DEADLINE = "move_deadline"  # /extend
    OBJECT = "object"  # /object: break a silence procedure
    MANAGE = "manage"  # the secretariat's work: post, revise, groups, digests, record, close
    CLASSIFY_ANY = "classify_any"  # classify a comment one did not write
    WRITE_IN_ANY_GROUP = "write_in_any_group"  # write in a drafting group one is not a member of


RULES: dict[Permission, frozenset[Role]] = {
    Permission.DECIDE: frozenset({"chair"}),
    Permission.MOVE_DEADLINE: frozenset({"chair", "secretariat"}),
    # Observers comment but do not object: a silence procedure is the members' to break.
    Permission.OBJECT: frozenset({"member"}),
    Permission.MANAGE: frozenset({"secretariat"}),
    Permission.CLASSIFY_ANY: frozenset({"secretariat"}),
    Permission.WRITE_IN_ANY_GROUP: frozenset({"secretariat"}),
}


@dataclass(frozen=True)
class Refusal:
    """Someone asked for what their role does not allow; already written to the audit log."""

    permission: Permission
    action: str  # what they asked for, as the audit log names it (e.g. "close", "approve")
    meeting_title: str
    role: Role | None  # None: not on the meeting's roster
    chairs: tuple[str, ...] = ()  # Slack user ids, for "ask the chair"


def role_in(session: Session, *, meeting_id: int, user_id: str) -> Role | None:
    participant = find_participant(session, meeting_id=meeting_id, user_id=user_id)
    return participant.role if participant is not None else None  # type: ignore[return-value]


def allowed(role: str | None, permission: Permission) -> bool:
    return role in RULES[permission]


def require(
    session: Session,
    *,
    meeting: Meeting,
    user_id: str,
    permission: Permission,
    action: str,
    now: datetime,
    detail: str | None = None,
) -> Refusal | None:
    """None when `user_id` may; otherwise the refusal, audited (`detail` says what was asked)."""
    assert meeting.id is not None
    role = role_in(session, meeting_id=meeting.id, user_id=user_id)
    if allowed(role, permission):
        return None
    return refuse(
        session,
        meeting=meeting,
        user_id=user_id,
        permission=permission,
        action=action,
        role=role,
        now=now,
        detail=detail if detail is not None else _DETAILS[permission],
    )


def refuse(
    session: Session,
    *,
    meeting: Meeting,
    user_id: str,
    permission: Permission,
    action: str,
    role: Role | None,
    now: datetime,
    detail: str,
) -> Refusal:
    """Write the refusal to the audit log and return it: every refusal goes through here."""
    assert meeting.id is not None
    record_audit(
        session,
        now=now,
        actor=user_id,
        action=action,
        meeting_id=meeting.id,
        outcome="refused",
        detail=detail,
    )
    chairs = tuple(role_ids(session, meeting_id=meeting.id, role="chair"))
    return Refusal(permission, action, meeting.title, role, chairs)


_DETAILS = {
    Permission.DECIDE: "not the chair",
    Permission.MOVE_DEADLINE: "not chair or secretariat",
    Permission.OBJECT: "not a member delegate",
    Permission.MANAGE: "not secretariat",
    Permission.CLASSIFY_ANY: "not the author or the secretariat",
    Permission.WRITE_IN_ANY_GROUP: "not a member of the group",
}
