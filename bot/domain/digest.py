"""The secretariat's digest: per item, what is new, what closes soon, who is silent.

"New" is per recipient: whatever that recipient's earlier digests have not reported (the
`Reported` table), so a reply recorded late is in the next digest and no digest repeats one.
A digest is built with a fixed number of queries whatever the meeting's size; the rows it
reports are recorded as soon as Slack has accepted it (`record_reported`).

It reads what it shows, not every comment in full: each comment as a narrow row (its id,
item, delegation, status, whether it is late or already reported), counted per item and
delegation, and the text, link and author of the first few new ones per item only (the
digest quotes `NEW_COMMENTS_KEPT` an item; 39,000 comment entities took seconds).

Data only: `bot.views.digest` puts a `Digest` into words, `bot.clock.digest` claims and sends.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from operator import itemgetter
from typing import Any, Literal, cast
from zoneinfo import ZoneInfo

from sqlalchemy import Dialect, exists
from sqlalchemy import select as select_columns
from sqlmodel import Session, col, select

from bot.domain.attribution import ROLE_LABELS
from bot.domain.meetings import role_ids
from bot.domain.record_rows import unescape_slack
from models import (
    AgendaItem,
    Comment,
    Decision,
    DecisionKind,
    DecisionProcedure,
    Delegation,
    DraftingGroup,
    GroupContribution,
    Meeting,
    Objection,
    Participant,
    Reported,
    RevisedDocument,
    SilenceProcedure,
    StrayReply,
)

EXCERPT = 140
NEW_COMMENTS_KEPT = 5  # per item, in full: the ones the digest quotes (bot/views/digest.py)

SilenceState = Literal["running", "broken"]  # a procedure not ended: under way, or broken


@dataclass(frozen=True)
class NewComment:
    delegation: str
    user: str
    excerpt: str
    permalink: str | None
    late: bool
    kind: str | None = None  # its classification (bot/classify.py); None: not classified
    final_concern: bool = False  # written in a revised document's final-concerns window
    author: str | None = None  # the person's name; None: none known


@dataclass(frozen=True)
class NewTotals:
    """An item's new comments counted: how many, how many late, how many per delegation."""

    count: int
    late: int
    by_delegation: dict[str, int]  # in the order of each delegation's first new comment


def count_new(comments: list[NewComment]) -> NewTotals:
    by_delegation: dict[str, int] = {}
    for comment in comments:
        by_delegation[comment.delegation] = by_delegation.get(comment.delegation, 0) + 1
    return NewTotals(len(comments), sum(c.late for c in comments), by_delegation)


@dataclass(frozen=True)
class NewRevision:
    code: str
    url: str
    concerns_until: datetime | None  # the final-concerns window it opened, if any


@dataclass(frozen=True)
class NewDecision:
    kind: DecisionKind
    procedure: DecisionProcedure
    excerpt: str  # of the decision's text


@dataclass(frozen=True)
class DigestItem:
    number: int
    title: str
    new_comments: list[NewComment] = field(default_factory=list)
    closing_at: datetime | None = None  # set when the deadline falls within the horizon
    silent_members: list[str] = field(default_factory=list)  # for items open for comments
    new_decisions: list[NewDecision] = field(default_factory=list)
    silence: SilenceState | None = None  # a silence procedure not ended, if any
    silence_until: datetime | None = None  # that procedure's deadline
    awaiting_chair: bool = False
    new_revisions: list[NewRevision] = field(default_factory=list)
    concerns_until: datetime | None = None  # a final-concerns window open on the item
    translations: str = ""  # the item's texts in the meeting's other languages (JSON)
    # Every new comment counted, when `new_comments` holds only the first of them (as
    # `build_digest` keeps `NEW_COMMENTS_KEPT`, the ones quoted); None: it holds them all.
    new_totals: NewTotals | None = None

    @property
    def totals(self) -> NewTotals:
        """The item's new comments counted, all of them."""
        return self.new_totals if self.new_totals is not None else count_new(self.new_comments)

    @property
    def has_news(self) -> bool:
        return bool(self.new_comments or self.new_decisions or self.new_revisions)


@dataclass(frozen=True)
class Digest:
    meeting_title: str
    timezone: str
    recipient: str
    now: datetime
    items: list[DigestItem]
    strays: list[tuple[int, str, str]]  # item number, user id, excerpt
    new_objections: int
    reported: list[tuple[str, int]]  # (kind, id) to record as reported once sent
    # Drafting groups with new messages in their channels: (name, new messages by members).
    groups: list[tuple[str, int]] = field(default_factory=list)

    @property
    def quiet(self) -> bool:
        return not self.reported

    meeting_translations: str = ""  # the meeting's texts in its other languages (JSON)


def excerpt(text: str) -> str:
    line = " ".join(unescape_slack(text).split())
    return line if len(line) <= EXCERPT else line[: EXCERPT - 1].rstrip() + "…"


def permalink(team_url: str | None, channel: str, ts: str, thread_ts: str) -> str | None:
    """Slack's own link format, built locally: one auth.test per digest, not a call per comment."""
    if not team_url:
        return None
    base = team_url if team_url.endswith("/") else team_url + "/"
    return f"{base}archives/{channel}/p{ts.replace('.', '')}?thread_ts={thread_ts}&cid={channel}"


def comments_on(item_ids: list[int | None]) -> Any:
    """`comment.id IN (the items' comment ids)`: every comment of these items, read in the
    table's order.

    Filtered on `item_id` itself, SQLite fetches the comments item by item through its index
    and so reads each page of a large meeting's comments once per item (nine times over at
    100x, about half the cost of counting them); given the ids, which that index alone
    supplies, it reads each page once."""
    ids = select_columns(col(Comment.id)).where(col(Comment.item_id).in_(item_ids))
    return col(Comment.id).in_(ids)


@dataclass
class _NewOnItem:
    """What `_new_comments` gathers about one item's new comments as it scans them."""

    count: int = 0
    late: int = 0
    by_delegation: dict[str, int] = field(default_factory=dict)
    kept: list[tuple[int, str]] = field(default_factory=list)  # (comment id, delegation name)


# A comment as `_new_comments` scans it: id, item, delegation, role, status, late, reported.
_Scanned = tuple[int, int, int | None, str, str, bool, bool]


@dataclass(frozen=True)
class _CommentNews:
    new: dict[int, list[NewComment]]  # item id -> its first new comments, in full
    totals: dict[int, NewTotals]  # item id -> every new comment counted
    spoke: dict[int, set[int]]  # item id -> delegations with an active comment
    reported: list[tuple[str, int]]  # ("comment", id) for each new comment, in posting order


def attributed_name(role: str, delegation_name: str | None) -> str:
    """`attribution`'s name, from the delegation's name alone (the digest loads no entities)."""
    if role in ROLE_LABELS or delegation_name is None:
        return ROLE_LABELS.get(role, role)
    return delegation_name


def _new_comments(
    session: Session,
    *,
    meeting_id: int,
    recipient: str,
    item_ids: list[int | None],
    names: dict[int, str],
    team_url: str | None,
) -> _CommentNews:
    """The items' comments not yet reported to `recipient`, in two queries: every comment as a
    narrow row, to count; then the first `NEW_COMMENTS_KEPT` new ones per item in full.

    `names`: the meeting's delegations by id.  The rows are read on the session's connection:
    SQLAlchemy's ORM layer added a third to reading them."""
    already = exists().where(
        col(Reported.meeting_id) == meeting_id,
        col(Reported.recipient) == recipient,
        col(Reported.kind) == "comment",
        col(Reported.ref_id) == col(Comment.id),
    )
    query = (
        select_columns(
            col(Comment.id),
            col(Comment.item_id),
            col(Comment.delegation_id),
            col(Comment.role),
            col(Comment.status),
            col(Comment.late),
            already,
        )
        .where(comments_on(item_ids))
        .order_by(col(Comment.posted_at), col(Comment.id))
    )
    # All at once (iterating a result fetches row by row); an id is never NULL.
    rows = cast(list[_Scanned], session.connection().execute(query).all())
    on_item: dict[int, _NewOnItem] = defaultdict(_NewOnItem)
    spoke: dict[int, set[int]] = defaultdict(set)
    reported: list[tuple[str, int]] = []
    for comment_id, item_id, delegation_id, role, status, late, seen in rows:
        if status != "active":
            continue
        if delegation_id is not None:
            spoke[item_id].add(delegation_id)
        if seen:
            continue
        reported.append(("comment", comment_id))
        name = attributed_name(role, None if delegation_id is None else names.get(delegation_id))
        news = on_item[item_id]
        news.count += 1
        news.late += 1 if late else 0
        news.by_delegation[name] = news.by_delegation.get(name, 0) + 1
        if len(news.kept) < NEW_COMMENTS_KEPT:
            news.kept.append((comment_id, name))
    kept_ids = [comment_id for news in on_item.values() for comment_id, _ in news.kept]
    full = {
        row.id: row
        for row in session.connection().execute(
            select_columns(
                col(Comment.id),
                col(Comment.text),
                col(Comment.channel),
                col(Comment.ts),
                col(Comment.thread_ts),
                col(Comment.user_id),
                col(Comment.late),
                col(Comment.kind),
                col(Comment.final_concerns_id),
                col(Participant.name),
                col(Participant.profile_name),
            )
            .join(Participant, col(Participant.id) == col(Comment.participant_id))
            .where(col(Comment.id).in_(kept_ids))
        )
    }
    new = {
        item_id: [_new_comment(full[comment_id], name, team_url) for comment_id, name in news.kept]
        for item_id, news in on_item.items()
    }
    totals = {
        item_id: NewTotals(news.count, news.late, news.by_delegation)
        for item_id, news in on_item.items()
    }
    return _CommentNews(new, totals, spoke, reported)


def _new_comment(row: Any, delegation: str, team_url: str | None) -> NewComment:
    return NewComment(
        delegation=delegation,
        user=row.user_id,
        excerpt=excerpt(row.text),
        permalink=permalink(team_url, row.channel, row.ts, row.thread_ts),
        late=row.late,
        kind=row.kind,
        final_concern=row.final_concerns_id is not None,
        author=row.name or row.profile_name,
    )


def build_digest(
    session: Session, *, meeting: Meeting, recipient: str, now: datetime, team_url: str | None
) -> Digest:
    assert meeting.id is not None
    items = list(
        session.exec(
            select(AgendaItem)
            .where(AgendaItem.meeting_id == meeting.id, col(AgendaItem.active))
            .order_by(col(AgendaItem.position), col(AgendaItem.number))
        )
    )
    ids = [item.id for item in items]
    delegations = list(
        session.exec(
            select(Delegation.id, Delegation.name, Delegation.kind, Delegation.active)
            .where(Delegation.meeting_id == meeting.id)
            .order_by(col(Delegation.position))
        )
    )
    comments = _new_comments(
        session,
        meeting_id=meeting.id,
        recipient=recipient,
        item_ids=ids,
        names={id_: name for id_, name, _, _ in delegations if id_ is not None},
        team_url=team_url,
    )
    # What else was reported (comments are looked up by `_new_comments`, in the database).
    reported = set(
        session.exec(
            select(Reported.kind, Reported.ref_id).where(
                Reported.meeting_id == meeting.id,
                Reported.recipient == recipient,
                Reported.kind != "comment",
            )
        )
    )
    strays = list(
        session.exec(
            select(StrayReply.id, StrayReply.user_id, StrayReply.text, AgendaItem.number)
            .join(AgendaItem, col(AgendaItem.id) == col(StrayReply.item_id))
            .where(StrayReply.meeting_id == meeting.id)
            .order_by(col(StrayReply.posted_at))
        )
    )
    decisions = list(
        session.exec(
            select(Decision).where(col(Decision.item_id).in_(ids)).order_by(col(Decision.id))
        )
    )
    procedures = list(
        session.exec(
            select(SilenceProcedure)
            .where(col(SilenceProcedure.item_id).in_(ids))
            .order_by(col(SilenceProcedure.id))
        )
    )
    objections = list(
        session.exec(
            select(Objection.id)
            .join(SilenceProcedure, col(SilenceProcedure.id) == col(Objection.procedure_id))
            .where(col(SilenceProcedure.item_id).in_(ids))
        )
    )
    members = [
        (id_, name) for id_, name, kind, active in delegations if kind == "member" and active
    ]
    revisions = list(
        session.exec(
            select(RevisedDocument)
            .where(col(RevisedDocument.item_id).in_(ids))
            .order_by(col(RevisedDocument.published_at), col(RevisedDocument.id))
        )
    )
    group_messages = list(
        session.exec(
            select(GroupContribution.id, DraftingGroup.name)
            .join(DraftingGroup, col(DraftingGroup.id) == col(GroupContribution.group_id))
            .where(
                DraftingGroup.meeting_id == meeting.id,
                col(GroupContribution.member),
                GroupContribution.status == "active",
            )
            .order_by(col(DraftingGroup.id), col(GroupContribution.posted_at))
        )
    )

    horizon = now + timedelta(seconds=meeting.digest_horizon_seconds)
    to_report = list(comments.reported)
    decided_items = {d.item_id for d in decisions}
    new_decisions: dict[int, list[NewDecision]] = defaultdict(list)
    for decision in decisions:
        assert decision.id is not None
        if ("decision", decision.id) in reported:
            continue
        to_report.append(("decision", decision.id))
        # Anything but a silence procedure was decided by the chair, as the digest always said.
        procedure: DecisionProcedure = "silence" if decision.procedure == "silence" else "chair"
        new_decisions[decision.item_id].append(
            NewDecision(cast(DecisionKind, decision.kind), procedure, excerpt(decision.text))
        )
    open_silence: dict[int, SilenceProcedure] = {}  # the latest one not ended, per item
    for procedure_row in procedures:
        if procedure_row.ended_at is None and procedure_row.status in ("running", "broken"):
            open_silence[procedure_row.item_id] = procedure_row
    new_objections = 0
    for objection_id in objections:
        if objection_id is not None and ("objection", objection_id) not in reported:
            to_report.append(("objection", objection_id))
            new_objections += 1
    new_revisions: dict[int, list[NewRevision]] = defaultdict(list)
    concerns_until: dict[int, datetime] = {}
    for revision in revisions:
        assert revision.id is not None
        window = revision.concerns_deadline_at
        if window is not None and window > now:
            concerns_until[revision.item_id] = window
        if ("revision", revision.id) not in reported:
            to_report.append(("revision", revision.id))
            new_revisions[revision.item_id].append(NewRevision(revision.code, revision.url, window))
    new_in_groups: dict[str, int] = {}
    for message_id, group_name in group_messages:
        if message_id is not None and ("group_message", message_id) not in reported:
            to_report.append(("group_message", message_id))
            new_in_groups[group_name] = new_in_groups.get(group_name, 0) + 1
    new_strays: list[tuple[int, str, str]] = []
    for stray_id, user_id, text, number in strays:
        assert stray_id is not None
        if ("stray", stray_id) not in reported:
            to_report.append(("stray", stray_id))
            new_strays.append((number, user_id, excerpt(text)))

    spoke = comments.spoke
    entries: list[DigestItem] = []
    for item in items:
        assert item.id is not None
        posted = item.post_ts is not None
        is_open = posted and item.deadline_at is not None and item.deadline_at > now
        silence = open_silence.get(item.id)
        entries.append(
            DigestItem(
                number=item.number,
                title=item.title,
                translations=item.translations,
                new_comments=comments.new.get(item.id, []),
                new_totals=comments.totals.get(item.id, NewTotals(0, 0, {})),
                closing_at=item.deadline_at
                if is_open and item.deadline_at is not None and item.deadline_at <= horizon
                else None,
                silent_members=[name for id_, name in members if id_ not in spoke.get(item.id, ())]
                if is_open
                else [],
                new_decisions=new_decisions.get(item.id, []),
                silence=cast(SilenceState, silence.status) if silence else None,
                silence_until=silence.deadline_at if silence else None,
                awaiting_chair=posted
                and not is_open
                and item.id not in decided_items
                and silence is None,
                new_revisions=new_revisions.get(item.id, []),
                concerns_until=concerns_until.get(item.id),
            )
        )
    return Digest(
        meeting_title=meeting.title,
        meeting_translations=meeting.translations,
        timezone=meeting.timezone,
        recipient=recipient,
        now=now,
        items=entries,
        strays=new_strays,
        new_objections=new_objections,
        reported=to_report,
        groups=list(new_in_groups.items()),
    )


def recipients(session: Session, meeting: Meeting) -> list[str]:
    """The secretariat channel if the meeting names one, else each secretariat member."""
    if meeting.secretariat_channel:
        return [meeting.secretariat_channel]
    assert meeting.id is not None
    return role_ids(session, meeting_id=meeting.id, role="secretariat")


def quiet_day_skipped(digest: Digest, meeting: Meeting, *, forced: bool) -> bool:
    """A quiet digest is not sent when the meeting says so, unless it was asked for."""
    return digest.quiet and meeting.quiet_digest == "none" and not forced


def record_reported(session: Session, *, meeting_id: int, digest: Digest, now: datetime) -> None:
    """What a sent digest reported, so the recipient's next digest does not repeat it.

    One INSERT ... ON CONFLICT DO NOTHING executed for every row by the driver (executemany):
    a first digest at 100x reports 39,000 rows.  Building a multi-row statement per 500 rows
    cost seconds in SQLAlchemy's compiler, and handing it 39,000 dictionaries to convert one by
    one still cost twice the inserts themselves; only the kind and the id differ from row to
    row, so the rest is converted once."""
    if not digest.reported:
        return
    dialect = session.get_bind().dialect
    sql, keys = _report_statement(dialect)
    table = Reported.__table__  # type: ignore[attr-defined]
    # Aware UTC as the column stores it (on SQLite, its text form): what SQLAlchemy would do.
    convert = table.c.reported_at.type.dialect_impl(dialect).bind_processor(dialect)
    fixed = {
        "meeting_id": meeting_id,
        "recipient": digest.recipient,
        "reported_at": convert(now) if convert else now,
    }
    rows: list[Any] = [{**fixed, "kind": kind, "ref_id": ref} for kind, ref in digest.reported]
    if keys is not None:  # positional parameters, in the statement's order
        rows = list(map(itemgetter(*keys), rows))
    session.connection().exec_driver_sql(sql, rows)


# (dialect, driver, paramstyle) -> the INSERT's text and its parameters' order; built once.
_REPORT_STATEMENTS: dict[tuple[str, str, str], tuple[str, tuple[str, ...] | None]] = {}


def _report_statement(dialect: Dialect) -> tuple[str, tuple[str, ...] | None]:
    """The INSERT as the driver takes it, and its parameters' order (None: by name).  A row
    already there (the same digest recorded twice, by two workers) is left as it is."""
    key = (dialect.name, dialect.driver, dialect.paramstyle)
    if key not in _REPORT_STATEMENTS:
        table = Reported.__table__  # type: ignore[attr-defined]
        if dialect.name == "postgresql":
            from sqlalchemy.dialects.postgresql import insert as dialect_insert
        else:
            from sqlalchemy.dialects.sqlite import insert as dialect_insert  # type: ignore[assignment]
        statement = dialect_insert(table).on_conflict_do_nothing(
            index_elements=["recipient", "kind", "ref_id"]
        )
        keys = ["meeting_id", "recipient", "kind", "ref_id", "reported_at"]
        compiled = statement.compile(dialect=dialect, column_keys=keys)
        order = tuple(compiled.positiontup) if compiled.positiontup is not None else None
        _REPORT_STATEMENTS[key] = (str(compiled), order)
    return _REPORT_STATEMENTS[key]


def digest_moment(meeting: Meeting, now: datetime) -> datetime | None:
    """The latest daily digest time at or before `now`, in the meeting's zone."""
    if not meeting.digest_at:
        return None
    zone = ZoneInfo(meeting.timezone)
    hour, minute = (int(part) for part in meeting.digest_at.split(":"))
    local = now.astimezone(zone)
    moment = local.replace(hour=hour, minute=minute, second=0, microsecond=0)
    if moment > local:
        moment -= timedelta(days=1)
    return moment.astimezone(ZoneInfo("UTC"))


@dataclass(frozen=True)
class DueDigest:
    """A daily digest the calendar says is due: one per meeting, recipient and local day."""

    meeting_id: int
    recipient: str
    moment: datetime  # the digest time it is for
    day: str  # that moment's date in the meeting's zone, ISO format


def due_digests(session: Session, *, now: datetime) -> list[DueDigest]:
    """Each in-session meeting's latest digest moment, for each of its recipients."""
    meetings = list(
        session.exec(
            select(Meeting)
            .join(AgendaItem, col(AgendaItem.meeting_id) == col(Meeting.id))
            .where(col(Meeting.closed_at).is_(None), col(AgendaItem.post_ts).is_not(None))
            .distinct()
        )
    )
    due: list[DueDigest] = []
    for meeting in meetings:
        moment = digest_moment(meeting, now)
        if moment is None or meeting.id is None:
            continue
        day = moment.astimezone(ZoneInfo(meeting.timezone)).date().isoformat()
        due += [
            DueDigest(meeting.id, recipient, moment, day)
            for recipient in recipients(session, meeting)
        ]
    return due
