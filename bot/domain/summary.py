"""The summary record of a meeting, as plain data: what every export format shows.

`build_summary` reads the database with a fixed number of queries whatever the meeting's size
(no query per comment, item or delegation), and the writers in `bot/record_formats.py` and
the charts in `bot/charts.py` only format this structure.  Withdrawn comments are kept, marked
where they stand, and counted apart: never in the totals.
"""

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import chain
from operator import attrgetter
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import Result, func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from bot.domain.group_record import GroupEntry, group_entries
from bot.domain.record_rows import (
    NamedDelegation,
    PlainDelegation,
    frozen_instance,
    readable_text,
    row_attribution,
)
from models import (
    COMMENT_KINDS,
    AgendaItem,
    Comment,
    Decision,
    Delegation,
    Document,
    Meeting,
    Participant,
    RevisedDocument,
    StrayReply,
)

KINDS = ("member", "observer", "chair", "secretariat")  # the order every table and chart uses
# A comment's classification (bot/classify.py), in the order the record shows them; the last
# counts the active comments nobody has classified.
CLASSIFICATIONS = (*COMMENT_KINDS, "unclassified")
_CLASSIFIED: dict[str | None, str] = {kind: kind for kind in COMMENT_KINDS}  # else "unclassified"


@dataclass(frozen=True)
class CommentEntry:
    comment_id: str  # stable: "<channel>-<ts>"
    item: int
    delegation: str  # the delegation's name, or "Chair" / "Secretariat"
    kind: str  # member | observer | chair | secretariat
    user: str  # Slack user id
    posted_at: datetime  # aware UTC, from the message's own ts
    status: str  # active | withdrawn
    late: bool
    text: str  # the latest text, Slack's markup as readable text (record_rows.readable_text)
    revisions: int  # real edits
    comment_kind: str | None = None  # its classification (COMMENT_KINDS); None: not classified
    final_concern: bool = False  # written in a revised document's final-concerns window
    author: str = ""  # the person's name; "": none known (the record shows `user`)


@dataclass(frozen=True)
class DecisionEntry:
    item: int
    kind: str  # approved | noted | deferred
    text: str
    procedure: str  # chair | silence
    decided_by: str  # Slack user id of the chair
    decided_at: datetime
    superseded: bool  # a later decision on the same item replaced it


@dataclass(frozen=True)
class DocumentEntry:
    code: str
    title: str
    url: str


@dataclass(frozen=True)
class RevisionEntry:
    """A revised document published on the item, and its final-concerns window if it had one."""

    code: str
    title: str
    url: str
    note: str
    published_by: str  # Slack user id
    published_at: datetime
    concerns_deadline_at: datetime | None


@dataclass(frozen=True)
class ItemEntry:
    number: int
    title: str
    proposal: str
    documents: list[DocumentEntry]
    opens_at: datetime | None
    deadline_at: datetime | None
    decision: DecisionEntry | None  # the decision in force
    history: list[DecisionEntry]  # every decision on the item, oldest first
    comments: list[CommentEntry]  # grouped by delegation (roster order), then by time
    counts: dict[str, int]  # active comments by kind (every kind in KINDS present)
    withdrawn: int
    # Active comments by classification (every key of CLASSIFICATIONS present).
    classified: dict[str, int] = field(default_factory=dict)
    revisions: list[RevisionEntry] = field(default_factory=list)  # oldest first


@dataclass(frozen=True)
class RosterEntry:
    delegation: str  # a delegation's name, or "Chair" / "Secretariat"
    kind: str  # member | observer | chair | secretariat
    user: str
    email: str | None
    took_part: bool  # wrote at least one active comment
    name: str = ""  # the person's name; "": none known (the record shows `user`)


@dataclass(frozen=True)
class SummaryFigures:
    registered: int
    took_part: int
    member_delegations: int
    observer_delegations: int
    members_taking_part: list[str]  # names, roster order
    observers_taking_part: list[str]
    comments: int  # active formal comments: the total
    withdrawn: int  # counted apart
    edited: int  # comments with at least one real edit
    late: int
    kept_aside: int  # replies from people not on the roster
    by_kind: dict[str, int]
    by_item: dict[int, dict[str, int]]  # item number -> kind -> count
    by_week: dict[int, dict[str, int]]  # meeting week (1 = the week of the first opening) -> ...
    # Item number -> classification (CLASSIFICATIONS) -> active comments.
    by_item_classified: dict[int, dict[str, int]] = field(default_factory=dict)


@dataclass(frozen=True)
class SummaryRecord:
    key: str
    title: str
    channel: str
    timezone: str
    chair: list[str]  # Slack user ids
    secretariat: list[str]
    first_opening: datetime | None
    last_deadline: datetime | None
    closed_at: datetime | None
    generated_at: datetime
    figures: SummaryFigures
    items: list[ItemEntry]
    roster: list[RosterEntry]
    week_starts: dict[int, datetime] = field(default_factory=dict)  # week -> local start (aware)
    groups: list[GroupEntry] = field(default_factory=list)  # drafting groups (bot/group_record.py)
    # Slack user id -> the person's name (the meeting file's, else their Slack profile's), for
    # everyone ever on the roster; the meeting channel's name when Slack gave it at load.
    names: dict[str, str] = field(default_factory=dict)
    channel_name: str | None = None

    def name(self, user_id: str) -> str:
        """How the record names a person: by name when known, else by Slack user id."""
        return self.names.get(user_id) or user_id


# -- building it from the database --------------------------------------------------------------


class _Attributions(dict[tuple[str, int | None], tuple[str, str]]):
    """(role, delegation id) -> `attribution`'s (name, kind), worked out once per distinct pair
    and looked up after: at 100x, 39,000 comments and 13,207 people share about 3,900."""

    def __init__(self, delegation_of: Mapping[int | None, NamedDelegation]) -> None:
        super().__init__()
        self._delegation_of = delegation_of

    def __missing__(self, key: tuple[str, int | None]) -> tuple[str, str]:
        role, delegation_id = key
        value = self[key] = row_attribution(role, self._delegation_of.get(delegation_id))
        return value


class _Ranks(dict[str, int]):
    """Where a delegation's name stands in the record: the active delegations by position, then
    the chair and the secretariat, then any other name (a delegation dropped since)."""

    def __init__(self, positions: Iterable[tuple[str, int]]) -> None:
        super().__init__(positions)  # (name, position) of each active delegation
        self.update({"Chair": len(self), "Secretariat": len(self) + 1})
        self._unknown = len(self)

    def __missing__(self, name: str) -> int:
        return self._unknown


_Entry = TypeVar("_Entry")


def _in_order(
    entries: list[_Entry], ranks: list[int], key: Callable[[_Entry], Any]
) -> list[_Entry]:
    """`entries` by rank (a delegation's place, `_Ranks`; `ranks[i]` is entry i's), then by
    `key`, ties in the order given: one stable sort by (rank, key), done as two stable sorts of
    the positions, so that no key tuple or list per delegation is made for each entry (at 100x,
    tens of thousands of small objects the garbage collector would go through)."""
    keys = list(map(key, entries))
    positions = sorted(range(len(entries)), key=keys.__getitem__)
    positions.sort(key=ranks.__getitem__)
    return [entries[i] for i in positions]


_CHUNK = 1000  # rows fetched at a time from the two big reads
_POSTED_AT = attrgetter("posted_at")
_USER = attrgetter("user")


def build_summary(session: Session, *, meeting_id: int, now: datetime) -> SummaryRecord:
    """The whole record in twelve queries (one for the revised documents, three for the
    drafting groups), whatever the number of comments, delegations or groups."""
    meeting = session.get(Meeting, meeting_id)
    if meeting is None:
        raise ValueError(f"no meeting with id {meeting_id}")
    zone = ZoneInfo(meeting.timezone)
    # The two big reads (everyone on the roster, every comment) come back as plain rows, not
    # ORM objects: at 100x (13,207 people, 39,000 comments) building and collecting those
    # objects was most of the time.  What this session has changed is flushed first, as the
    # ORM's own queries would.
    session.flush()
    connection = session.connection()
    # Every delegation of the meeting, inactive ones too: a comment or a person may stand for
    # one dropped from the meeting file since.  Plain rows too: as ORM objects, the 3,900
    # delegations at 100x cost about 0.2 s, most of it a full pass of the garbage collector
    # more over their bookkeeping (ten objects each).
    all_delegations = connection.execute(
        sa_select(
            col(Delegation.id),
            col(Delegation.name),
            col(Delegation.kind),
            col(Delegation.position),
            col(Delegation.active),
        )
        .where(col(Delegation.meeting_id) == meeting_id)
        .order_by(col(Delegation.position))
    ).all()
    delegation_of: dict[int | None, PlainDelegation] = {}
    delegations: list[PlainDelegation] = []  # the active ones, by position
    positions: list[tuple[str, int]] = []  # theirs
    for row_id, row_name, row_kind, position, active in all_delegations:
        delegation_of[row_id] = plain = PlainDelegation(row_name, row_kind)
        if active:
            delegations.append(plain)
            positions.append((row_name, position))
    everyone = connection.execute(
        sa_select(
            col(Participant.user_id),
            col(Participant.name),
            col(Participant.profile_name),
            col(Participant.email),
            col(Participant.role),
            col(Participant.active),
            col(Participant.delegation_id),
        )
        .join(Delegation, col(Delegation.id) == col(Participant.delegation_id), isouter=True)
        .where(col(Participant.meeting_id) == meeting_id)
        .order_by(col(Delegation.position), col(Participant.id))
    )
    # Everyone who was ever on the roster is named: a removed delegate's comments stay.  The
    # rows are unpacked, not read by attribute: a row's attribute costs a failed look-up first.
    names: dict[str, str] = {}
    people: list[tuple[str, str | None, str, int | None]] = []  # user, email, role, delegation
    for user_id, name, profile_name, email, role, active, delegation_id in chain.from_iterable(
        everyone.partitions(_CHUNK)
    ):
        if (known := name or profile_name) is not None:
            names[user_id] = known
        if active:
            people.append((user_id, email, role, delegation_id))
    channels = {meeting.channel: meeting.channel_name} if meeting.channel_name else {}
    items = list(
        session.exec(
            select(AgendaItem)
            .where(AgendaItem.meeting_id == meeting_id, col(AgendaItem.active))
            .order_by(col(AgendaItem.position), col(AgendaItem.number))
        )
    )
    item_ids = [item.id for item in items]
    documents = session.exec(
        select(Document)
        .where(col(Document.item_id).in_(item_ids))
        .order_by(col(Document.item_id), col(Document.position))
    )
    comment_rows = connection.execute(
        sa_select(
            col(Comment.item_id),
            col(Comment.role),
            col(Comment.delegation_id),
            col(Comment.channel),
            col(Comment.ts),
            col(Comment.user_id),
            col(Comment.posted_at),
            col(Comment.status),
            col(Comment.late),
            col(Comment.text),
            col(Comment.revisions),
            col(Comment.kind),
            col(Comment.final_concerns_id),
        )
        .where(col(Comment.item_id).in_(item_ids))
        # In the order of the index on item_id: sorting the rows by time (text and all) was a
        # third of the query's time on SQLite; the comments are put in time order below.
        .order_by(col(Comment.item_id), col(Comment.id))
    )
    decisions = session.exec(
        select(Decision)
        .where(col(Decision.item_id).in_(item_ids))
        .order_by(col(Decision.decided_at), col(Decision.id))
    )
    revised = session.exec(
        select(RevisedDocument)
        .where(col(RevisedDocument.item_id).in_(item_ids))
        .order_by(col(RevisedDocument.published_at), col(RevisedDocument.id))
    )
    # A reply kept aside and later attached (its author's request to join approved) is a comment
    # now, keyed by the same (channel, ts): counted there, not here.
    attached = (
        select(Comment.id)
        .where(Comment.channel == StrayReply.channel, Comment.ts == StrayReply.ts)
        .exists()
    )
    kept_aside = session.exec(
        select(func.count())
        .select_from(StrayReply)
        .where(StrayReply.meeting_id == meeting_id, ~attached)
    ).one()

    number_of = {item.id: item.number for item in items}
    docs_by_item: dict[int, list[DocumentEntry]] = defaultdict(list)
    for doc in documents:
        docs_by_item[doc.item_id].append(DocumentEntry(doc.code, doc.title, doc.url))

    revisions_by_item: dict[int, list[RevisionEntry]] = defaultdict(list)
    for revision in revised:
        revisions_by_item[revision.item_id].append(
            RevisionEntry(
                code=revision.code,
                title=revision.title,
                url=revision.url,
                note=revision.note,
                published_by=revision.published_by,
                published_at=revision.published_at,
                concerns_deadline_at=revision.concerns_deadline_at,
            )
        )

    attributed = _Attributions(delegation_of)
    rank = _Ranks(positions)
    comments_by_item, ranks_by_item = _comment_entries(
        comment_rows, number_of, attributed, rank, names, channels
    )

    history: dict[int, list[Decision]] = defaultdict(list)
    for decision in decisions:
        history[decision.item_id].append(decision)

    openings = [moment for i in items if (moment := i.opens_at or i.posted_at) is not None]
    first_opening = min(openings, default=None)
    start_day = first_opening.astimezone(zone).date() if first_opening else None

    # Days as ordinals: no date or timedelta object made per comment.
    start = start_day.toordinal() if start_day is not None else None

    def week_of(moment: datetime) -> int:
        if start is None:
            return 1
        return max(1, (moment.astimezone(zone).toordinal() - start) // 7 + 1)

    by_kind = dict.fromkeys(KINDS, 0)
    by_item: dict[int, dict[str, int]] = {}
    by_item_classified: dict[int, dict[str, int]] = {}
    by_week: dict[int, dict[str, int]] = {}
    entries: list[ItemEntry] = []
    active_users: set[str] = set()
    active_delegations: set[str] = set()
    withdrawn_total = edited = late = 0
    for item in items:
        assert item.id is not None
        comments = _in_order(comments_by_item[item.id], ranks_by_item[item.id], _POSTED_AT)
        counts = dict.fromkeys(KINDS, 0)
        classified = dict.fromkeys(CLASSIFICATIONS, 0)
        withdrawn = 0
        for entry in comments:
            edited += entry.revisions > 0
            if entry.status != "active":
                withdrawn += 1
                continue
            kind = entry.kind
            counts[kind] += 1
            by_kind[kind] += 1
            classified[_CLASSIFIED.get(entry.comment_kind, "unclassified")] += 1
            week = week_of(entry.posted_at)
            tally = by_week.get(week)
            if tally is None:
                tally = by_week[week] = dict.fromkeys(KINDS, 0)
            tally[kind] += 1
            late += entry.late
            active_users.add(entry.user)
            active_delegations.add(entry.delegation)
        withdrawn_total += withdrawn
        by_item[item.number] = counts
        by_item_classified[item.number] = classified
        decided = [
            _decision_entry(item.number, d, d is not h[-1]) for h in [history[item.id]] for d in h
        ]
        entries.append(
            ItemEntry(
                number=item.number,
                title=item.title,
                proposal=item.proposal,
                documents=docs_by_item.get(item.id, []),
                opens_at=item.opens_at,
                deadline_at=item.deadline_at,
                decision=decided[-1] if decided else None,
                history=decided,
                comments=comments,
                counts=counts,
                withdrawn=withdrawn,
                classified=classified,
                revisions=revisions_by_item.get(item.id, []),
            )
        )

    # In rank order, each rank by user id.
    on_roster: list[RosterEntry] = []
    roster_ranks: list[int] = []
    for user_id, email, role, delegation_id in people:
        name, kind = attributed[role, delegation_id]
        roster_ranks.append(rank[name])
        on_roster.append(
            frozen_instance(
                RosterEntry,
                delegation=name,
                kind=kind,
                user=user_id,
                email=email,
                took_part=user_id in active_users,
                name=names.get(user_id, ""),
            )
        )
    roster = _in_order(on_roster, roster_ranks, _USER)

    weeks = sorted(by_week)
    week_starts = {}
    if start_day is not None:
        for week in weeks:
            day = start_day + timedelta(days=7 * (week - 1))
            week_starts[week] = datetime(day.year, day.month, day.day, tzinfo=zone)
    figures = SummaryFigures(
        registered=len(people),
        took_part=len(active_users),
        member_delegations=sum(d.kind == "member" for d in delegations),
        observer_delegations=sum(d.kind == "observer" for d in delegations),
        members_taking_part=[
            d.name for d in delegations if d.kind == "member" and d.name in active_delegations
        ],
        observers_taking_part=[
            d.name for d in delegations if d.kind == "observer" and d.name in active_delegations
        ],
        comments=sum(by_kind.values()),
        withdrawn=withdrawn_total,
        edited=edited,
        late=late,
        kept_aside=kept_aside,
        by_kind=by_kind,
        by_item=by_item,
        by_week={week: by_week[week] for week in weeks},
        by_item_classified=by_item_classified,
    )
    deadlines = [i.deadline_at for i in items if i.deadline_at is not None]
    return SummaryRecord(
        key=meeting.key,
        title=meeting.title,
        channel=meeting.channel,
        timezone=meeting.timezone,
        chair=[user_id for user_id, _email, role, _id in people if role == "chair"],
        secretariat=[user_id for user_id, _email, role, _id in people if role == "secretariat"],
        first_opening=first_opening,
        last_deadline=max(deadlines) if deadlines else None,
        closed_at=meeting.closed_at,
        generated_at=now,
        figures=figures,
        items=entries,
        roster=roster,
        week_starts=week_starts,
        groups=group_entries(session, meeting_id=meeting_id, names=names, channels=channels),
        names=names,
        channel_name=meeting.channel_name,
    )


def _comment_entries(
    rows: Result[*tuple[Any, ...]],
    number_of: Mapping[int | None, int],
    attributed: _Attributions,
    rank: _Ranks,
    names: Mapping[str, str],
    channels: Mapping[str, str],
) -> tuple[dict[int | None, list[CommentEntry]], dict[int | None, list[int]]]:
    """Each item's comments in the query's order (as stored), and the rank of each (`_Ranks`),
    by item id."""
    comments_by_item: dict[int | None, list[CommentEntry]] = {i: [] for i in number_of}
    ranks_by_item: dict[int | None, list[int]] = {i: [] for i in number_of}
    # A thousand rows at a time: iterating the result row by row costs a fetch call each.
    for (
        item_id,
        role,
        delegation_id,
        channel,
        ts,
        user_id,
        posted_at,
        status,
        is_late,
        text,
        revisions,
        comment_kind,
        final_concerns_id,
    ) in chain.from_iterable(rows.partitions(_CHUNK)):
        name, kind = attributed[role, delegation_id]
        entry = frozen_instance(
            CommentEntry,
            comment_id=f"{channel}-{ts}",  # as record_rows.comment_id
            item=number_of[item_id],
            delegation=name,
            kind=kind,
            user=user_id,
            posted_at=posted_at,
            status=status,
            late=is_late,
            text=readable_text(text, names, channels),
            revisions=revisions,
            comment_kind=comment_kind,
            final_concern=final_concerns_id is not None,
            author=names.get(user_id, ""),
        )
        comments_by_item[item_id].append(entry)
        ranks_by_item[item_id].append(rank[name])
    return comments_by_item, ranks_by_item


def _decision_entry(number: int, decision: Decision, superseded: bool) -> DecisionEntry:
    return DecisionEntry(
        item=number,
        kind=decision.kind,
        text=decision.text,
        procedure=decision.procedure,
        decided_by=decision.decided_by,
        decided_at=decision.decided_at,
        superseded=superseded,
    )
