"""The secretariat's digest: per item, what is new, what closes soon, who is silent.

"New" is per recipient: whatever that recipient's earlier digests have not reported (the
`Reported` table), so a reply recorded late is in the next digest and no digest repeats one.
A digest is built with a fixed number of queries whatever the meeting's size; the rows it
reports are recorded as soon as Slack has accepted it (`record_reported`).

Data only: `bot.views.digest` puts a `Digest` into words, `bot.clock.digest` claims and sends.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal, cast
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from bot.core.db import insert_many_or_ignore
from bot.domain.attribution import attribution
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
    comments = list(
        session.exec(
            select(Comment, Delegation, Participant)
            .join(Delegation, col(Delegation.id) == col(Comment.delegation_id), isouter=True)
            .join(Participant, col(Participant.id) == col(Comment.participant_id))
            .where(col(Comment.item_id).in_(ids))
            .order_by(col(Comment.posted_at), col(Comment.id))
        )
    )
    reported = set(
        session.exec(
            select(Reported.kind, Reported.ref_id).where(
                Reported.meeting_id == meeting.id, Reported.recipient == recipient
            )
        )
    )
    strays = list(
        session.exec(
            select(StrayReply, AgendaItem.number)
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
    members = list(
        session.exec(
            select(Delegation)
            .where(
                Delegation.meeting_id == meeting.id,
                Delegation.kind == "member",
                col(Delegation.active),
            )
            .order_by(col(Delegation.position))
        )
    )
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
    to_report: list[tuple[str, int]] = []
    new_by_item: dict[int, list[NewComment]] = defaultdict(list)
    spoke: dict[int, set[int]] = defaultdict(set)
    for comment, delegation, author in comments:
        assert comment.id is not None
        if comment.status == "active" and comment.delegation_id is not None:
            spoke[comment.item_id].add(comment.delegation_id)
        if ("comment", comment.id) in reported or comment.status != "active":
            continue
        to_report.append(("comment", comment.id))
        name, _ = attribution(comment.role, delegation)
        new_by_item[comment.item_id].append(
            NewComment(
                delegation=name,
                user=comment.user_id,
                excerpt=excerpt(comment.text),
                permalink=permalink(team_url, comment.channel, comment.ts, comment.thread_ts),
                late=comment.late,
                kind=comment.kind,
                final_concern=comment.final_concerns_id is not None,
                author=author.name or author.profile_name,
            )
        )
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
    for stray, number in strays:
        assert stray.id is not None
        if ("stray", stray.id) not in reported:
            to_report.append(("stray", stray.id))
            new_strays.append((number, stray.user_id, excerpt(stray.text)))

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
                new_comments=new_by_item.get(item.id, []),
                closing_at=item.deadline_at
                if is_open and item.deadline_at is not None and item.deadline_at <= horizon
                else None,
                silent_members=[d.name for d in members if d.id not in spoke[item.id]]
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
    """What a sent digest reported, so the recipient's next digest does not repeat it."""
    rows = [
        {
            "meeting_id": meeting_id,
            "recipient": digest.recipient,
            "kind": kind,
            "ref_id": ref_id,
            "reported_at": now,
        }
        for kind, ref_id in digest.reported
    ]
    insert_many_or_ignore(session, Reported, rows, ["recipient", "kind", "ref_id"])


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
