"""The meeting record's data: every formal comment as a row, in the record's order.

Built with a fixed number of queries whatever the meeting's size: one for the comments with
their items, authors and delegations.

`readable_text` turns Slack's markup in a person's text (mentions, channel links, links and
entities) into what a reader of the record expects: `@Jane Doe`, `#ptc-2020`, `text (url)`.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import partial
from itertools import chain
from typing import Any, NamedTuple, Protocol, TypeVar, cast

from sqlalchemy import select as sa_select
from sqlmodel import Session, col

from bot.domain.attribution import attribution
from bot.domain.concern_phase import COMMENTS, phase_of
from models import AgendaItem, Comment, Delegation, Participant

SLACK_MARKUP = re.compile(r"<([^<>\n]*)>")  # Slack sends a typed < or > as &lt; &gt;


@dataclass(frozen=True)
class CommentRow:
    item: int
    comment_id: str
    delegation: str
    delegation_kind: str
    user: str
    role: str
    posted_at: str
    status: str
    late: bool
    text: str
    revisions: int
    kind: str | None = None  # general | drafting | support | reservation; None: not classified
    phase: str = COMMENTS  # comments | final_concerns
    author: str = ""  # the person's name (see person_name), else their Slack user id


class PlainDelegation(NamedTuple):
    """A delegation as the record reads it from a plain row: its name and kind."""

    name: str
    kind: str


class NamedDelegation(Protocol):
    """What `attribution` reads of a delegation: a `Delegation`, or a plain row of one."""

    @property
    def name(self) -> str: ...

    @property
    def kind(self) -> str: ...


def row_attribution(role: str, delegation: NamedDelegation | None) -> tuple[str, str]:
    """`attribution` for a delegation read as a plain row (its name and kind), not as an ORM
    object: the record reads thousands at 100x.  `attribution` reads nothing else of it; its
    parameter could be typed `NamedDelegation` and this cast go."""
    return attribution(role, cast("Delegation | None", delegation))


_Frozen = TypeVar("_Frozen")


def frozen_instance(cls: type[_Frozen], /, **fields: Any) -> _Frozen:
    """An instance of the frozen dataclass `cls` with `fields` (every field of it, by name), made
    without its __init__.  A frozen dataclass's __init__ sets each field through
    object.__setattr__, one call per field: for the record's 39,000 comments at 100x that was a
    tenth of `build_summary`.  Here `fields` becomes the instance's __dict__ in one step (at
    the price of about 330 bytes more per instance than __init__'s compact layout: 15 MiB for
    the record at 100x).  `cls` must not use slots, and none of its fields may need a default
    or a __post_init__ (the tests compare with the constructor)."""
    instance = object.__new__(cls)
    object.__setattr__(instance, "__dict__", fields)
    return instance


def unescape_slack(text: str) -> str:
    """Slack sends &, < and > as entities; the record holds what the delegate typed.
    `&amp;` goes last so an escaped entity ("&amp;lt;") is not unescaped twice."""
    if "&" not in text:  # most texts: no replacement pass needed
        return text
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def readable_text(
    text: str,
    names: Mapping[str, str] | None = None,
    channels: Mapping[str, str] | None = None,
) -> str:
    """Slack's markup as plain readable text: `<@U…>` as `@` and the person's name (from
    `names`, user id -> name; else the label Slack gave, else the id), `<#C…|name>` as `#name`,
    `<!here>` as `@here`, `<url|text>` as `text (url)` and `<url>` as the url; then `&lt;`,
    `&gt;` and `&amp;` as the characters typed."""
    # Most texts have neither markup nor entities (the record reads 39,000 at 100x): those
    # are returned as they are, without a substitution or a replacement pass.
    if "<" in text:
        text = SLACK_MARKUP.sub(partial(_readable_markup, names or {}, channels or {}), text)
    return unescape_slack(text)


def _readable_markup(
    names: Mapping[str, str], channels: Mapping[str, str], match: re.Match[str]
) -> str:
    """One `<...>` of Slack's markup as readable text (see `readable_text`)."""
    inside = match.group(1)
    target, _, label = inside.partition("|")
    if target.startswith("@"):
        user = target[1:]
        return "@" + (names.get(user) or label.lstrip("@") or user)
    if target.startswith("#"):
        channel = target[1:]
        return "#" + (label or channels.get(channel) or channel)
    if target.startswith("!"):
        if label:  # <!subteam^S…|@team>, <!date^…|fallback>
            return label
        return "@" + target[1:].split("^", 1)[0]
    if not label:
        return target.removeprefix("mailto:")
    if label in (target, target.removeprefix("mailto:")):
        return label
    return f"{label} ({target})"


def comment_id(comment: Comment) -> str:
    """Stable across exports and databases: the Slack message it came from."""
    return f"{comment.channel}-{comment.ts}"


def comment_rows(session: Session, *, meeting_id: int) -> list[CommentRow]:
    """Every comment of the meeting as a row, by item (agenda order), then by time.  One query,
    read as plain rows, not ORM objects: at 100x (39,000 comments) loading each comment with
    its author and delegation as objects was most of the export's time."""
    session.flush()  # what this session has changed, as the ORM's own query would
    rows = session.connection().execute(
        sa_select(
            col(AgendaItem.number),
            col(Comment.channel),
            col(Comment.ts),
            col(Comment.role),
            col(Comment.user_id),
            col(Comment.posted_at),
            col(Comment.status),
            col(Comment.late),
            col(Comment.text),
            col(Comment.revisions),
            col(Comment.kind),
            col(Comment.final_concerns_id),
            col(Participant.name),
            col(Participant.profile_name),
            col(Delegation.id),
            col(Delegation.name),
            col(Delegation.kind),
        )
        .select_from(Comment)
        .join(AgendaItem, col(AgendaItem.id) == col(Comment.item_id))
        .join(Participant, col(Participant.id) == col(Comment.participant_id))
        .join(Delegation, col(Delegation.id) == col(Comment.delegation_id), isouter=True)
        .where(col(AgendaItem.meeting_id) == meeting_id)
        .order_by(col(AgendaItem.position), col(AgendaItem.number), col(Comment.posted_at))
    )
    attributed: dict[tuple[str, int | None], tuple[str, str]] = {}
    out: list[CommentRow] = []
    for (
        number,
        channel,
        ts,
        role,
        user_id,
        posted_at,
        status,
        late,
        text,
        revisions,
        kind,
        final_concerns_id,
        name,
        profile_name,
        delegation_id,
        delegation_name,
        delegation_kind,
    ) in chain.from_iterable(rows.partitions(1000)):  # fetched in chunks, not row by row
        key = (role, delegation_id)  # delegation_id None: no delegation (or none left)
        if key not in attributed:  # once per delegation and role, not per comment
            delegation = (
                None if delegation_id is None else PlainDelegation(delegation_name, delegation_kind)
            )
            attributed[key] = row_attribution(role, delegation)
        delegation_label, delegation_kind_label = attributed[key]
        out.append(
            frozen_instance(
                CommentRow,
                item=number,
                comment_id=f"{channel}-{ts}",  # as comment_id()
                delegation=delegation_label,
                delegation_kind=delegation_kind_label,
                user=user_id,
                role=role,
                posted_at=posted_at.isoformat(),
                status=status,
                late=late,
                text=unescape_slack(text),
                revisions=revisions,
                kind=kind,
                phase=phase_of(final_concerns_id),
                author=name or profile_name or user_id,
            )
        )
    return out
