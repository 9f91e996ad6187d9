"""The summary record of a meeting, as plain data: what every export format shows.

`build_summary` reads the database with a fixed number of queries whatever the meeting's size
(no query per comment, item or delegation), and the writers in `bot/record_formats.py` and
the charts in `bot/charts.py` only format this structure.  Withdrawn comments are kept, marked
where they stand, and counted apart: never in the totals.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from bot.domain.attribution import attribution
from bot.domain.group_record import GroupEntry, group_entries
from bot.domain.record_rows import readable_text
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
    # one dropped from the meeting file since.
    all_delegations = list(
        session.exec(
            select(Delegation)
            .where(Delegation.meeting_id == meeting_id)
            .order_by(col(Delegation.position))
        )
    )
    delegation_of = {d.id: d for d in all_delegations}
    delegations = [d for d in all_delegations if d.active]
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
    ).all()
    people = [p for p in everyone if p.active]
    # Everyone who was ever on the roster is named: a removed delegate's comments stay.
    names = {p.user_id: name for p in everyone if (name := p.name or p.profile_name) is not None}
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
        .order_by(col(Comment.posted_at), col(Comment.id))
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

    order = {d.name: d.position for d in delegations}
    order.update({"Chair": len(order), "Secretariat": len(order) + 1})
    comments_by_item: dict[int, list[CommentEntry]] = defaultdict(list)
    for comment in comment_rows:
        name, kind = attribution(comment.role, delegation_of.get(comment.delegation_id))
        comments_by_item[comment.item_id].append(
            CommentEntry(
                comment_id=f"{comment.channel}-{comment.ts}",  # as record_rows.comment_id
                item=number_of[comment.item_id],
                delegation=name,
                kind=kind,
                user=comment.user_id,
                posted_at=comment.posted_at,
                status=comment.status,
                late=comment.late,
                text=readable_text(comment.text, names, channels),
                revisions=comment.revisions,
                comment_kind=comment.kind,
                final_concern=comment.final_concerns_id is not None,
                author=names.get(comment.user_id, ""),
            )
        )

    history: dict[int, list[Decision]] = defaultdict(list)
    for decision in decisions:
        history[decision.item_id].append(decision)

    openings = [moment for i in items if (moment := i.opens_at or i.posted_at) is not None]
    first_opening = min(openings, default=None)
    start_day = first_opening.astimezone(zone).date() if first_opening else None

    def week_of(moment: datetime) -> int:
        if start_day is None:
            return 1
        return max(1, (moment.astimezone(zone).date() - start_day).days // 7 + 1)

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
        comments = sorted(
            comments_by_item.get(item.id, []),
            key=lambda c: (order.get(c.delegation, len(order)), c.posted_at),
        )
        counts = dict.fromkeys(KINDS, 0)
        classified = dict.fromkeys(CLASSIFICATIONS, 0)
        withdrawn = 0
        for entry in comments:
            edited += entry.revisions > 0
            if entry.status != "active":
                withdrawn += 1
                continue
            counts[entry.kind] += 1
            by_kind[entry.kind] += 1
            classified[_classification(entry.comment_kind)] += 1
            tally = by_week.setdefault(week_of(entry.posted_at), dict.fromkeys(KINDS, 0))
            tally[entry.kind] += 1
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

    roster: list[RosterEntry] = []
    for participant in people:
        name, kind = attribution(participant.role, delegation_of.get(participant.delegation_id))
        roster.append(
            RosterEntry(
                name,
                kind,
                participant.user_id,
                participant.email,
                participant.user_id in active_users,
                names.get(participant.user_id, ""),
            )
        )
    roster.sort(key=lambda r: (order.get(r.delegation, len(order)), r.user))

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
        chair=[p.user_id for p in people if p.role == "chair"],
        secretariat=[p.user_id for p in people if p.role == "secretariat"],
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


def _classification(kind: str | None) -> str:
    return kind if kind in COMMENT_KINDS else "unclassified"


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
