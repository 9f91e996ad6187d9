"""Docket's tables and the Literal kinds and statuses they store, and nothing else: imports no
module of Docket, so every layer may import it.

Every timestamp is stored as UTC and read back timezone-aware (see `UTCDateTime`), whatever
the database: SQLite keeps no zone of its own.  Rows that make up the record (comments, their
revisions, decisions, the audit log) are only ever added to or flagged, never rewritten away.
"""

from datetime import UTC, datetime
from typing import Any, Literal, get_args

from sqlalchemy import DateTime, Index, Text, UniqueConstraint
from sqlalchemy import text as sql_text
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel

# The kinds and statuses the tables store, as types for the code that reads them.  The columns
# stay plain strings (SQLModel maps no Literal); these say which strings are meant.
Role = Literal["member", "observer", "chair", "secretariat"]
DelegationKind = Literal["member", "observer"]
DecisionKind = Literal["approved", "noted", "deferred"]
DecisionProcedure = Literal["chair", "silence"]
CommentKind = Literal["general", "drafting", "support", "reservation"]
CommentStatus = Literal["active", "withdrawn"]
SilenceStatus = Literal["running", "broken", "adopted", "cancelled"]
AuditOutcome = Literal["ok", "refused"]
EnrolmentStatus = Literal["pending", "approved", "declined"]
# Where a person or delegation on the roster came from: the meeting file, a roster spreadsheet
# (`roster import`), or a request to join approved in Slack.  A reload of the meeting file keeps
# what came from a spreadsheet or a request unless the file names it otherwise.
RosterSource = Literal["file", "roster", "enrolled"]

ROLES: tuple[Role, ...] = get_args(Role)
DELEGATION_KINDS: tuple[DelegationKind, ...] = get_args(DelegationKind)
DECISION_KINDS: tuple[DecisionKind, ...] = get_args(DecisionKind)
COMMENT_KINDS: tuple[CommentKind, ...] = get_args(CommentKind)


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in, aware UTC datetimes out; naive values are refused."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        # SQLite has no zone type: store naive UTC there, aware elsewhere.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _utc(*, nullable: bool = False, index: bool = False) -> Any:
    return Field(default=None, sa_type=UTCDateTime, nullable=nullable, index=index)


class Meeting(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True, index=True)
    title: str
    channel: str
    timezone: str
    source_digest: str = ""  # hash of the last loaded file: reloading it unchanged is a no-op
    # The calendar: offsets before each deadline, in seconds.
    reminders: str = "604800,172800,86400"  # comma-separated; empty means no reminders
    nudge_seconds: int | None = 172800  # None: no nudges
    nudge_observers: bool = False
    silence_minimum_seconds: int = 259200
    # The secretariat's digest (see the meeting file): local time of day or None, horizon,
    # "line" or "none" on a quiet day, and a channel instead of direct messages.
    digest_at: str | None = "09:00"
    digest_horizon_seconds: int = 259200
    quiet_digest: str = "line"
    secretariat_channel: str | None = None
    # The meeting's languages, comma-separated, the main one first ("en,fr"); and the meeting
    # file's texts in the other languages, as JSON: {"fr": {"title": "..."}}.
    languages: str = "en"
    translations: str = Field(default="", sa_type=Text)
    # The meeting channel's name as Slack gave it at the last load (conversations.info); None
    # when Slack would not say.  The record shows it as #name.
    channel_name: str | None = None
    # When the session was closed (/close, or the last item decided after its deadline).
    closed_at: datetime | None = _utc(nullable=True)
    created_at: datetime = _utc()
    updated_at: datetime = _utc()


class Delegation(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("meeting_id", "name"),)
    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", index=True)
    name: str
    kind: str  # member | observer
    position: int = 0
    active: bool = True  # false once dropped from the meeting file; its comments stay
    language: str | None = None  # the language the file gives the delegation, if any
    source: str = "file"  # file | roster (see RosterSource)


class Participant(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("meeting_id", "user_id"),)
    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", index=True)
    user_id: str  # Slack user id
    email: str | None = None  # as written in the meeting file, when given that way
    # The person's name: `name` as the meeting file gives it, else `profile_name` from their
    # Slack profile (users.info real name, else display name), fetched at load, never on the
    # reply path.  Both None: the person is shown by their Slack user id.
    name: str | None = None
    profile_name: str | None = None
    role: str  # member | observer | chair | secretariat
    delegation_id: int | None = Field(default=None, foreign_key="delegation.id")
    active: bool = True
    # The language they read Docket in: `language` as the file (delegate, else delegation) or
    # the roster gives it, else the one their Slack `locale` (users.info, read at load) names,
    # else the meeting's main language (bot/domain/languages.py decides).
    language: str | None = None
    locale: str | None = None
    source: str = "file"  # file | roster | enrolled (see RosterSource)


class AgendaItem(SQLModel, table=True):
    __tablename__ = "agenda_item"
    __table_args__ = (
        UniqueConstraint("meeting_id", "number"),
        UniqueConstraint("post_channel", "post_ts"),
    )
    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", index=True)
    number: int
    title: str
    proposal: str = ""
    opens_at: datetime | None = _utc(nullable=True)
    deadline_at: datetime | None = _utc(nullable=True)
    position: int = 0
    active: bool = True
    translations: str = Field(default="", sa_type=Text)  # {"fr": {"title": .., "proposal": ..}}
    # Posting is claimed before the Web API call so two posters never both post the item.
    post_claimed_at: datetime | None = _utc(nullable=True)
    post_channel: str | None = None
    post_ts: str | None = None  # the root message: replies in its thread are comments
    posted_at: datetime | None = _utc(nullable=True)


class Document(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    item_id: int = Field(foreign_key="agenda_item.id", index=True)
    code: str
    title: str = ""
    url: str = ""
    position: int = 0
    translations: str = Field(default="", sa_type=Text)  # {"fr": {"title": ..}}


class Comment(SQLModel, table=True):
    """A formal comment: one Slack reply in an agenda item's thread, keyed by (channel, ts)."""

    __table_args__ = (UniqueConstraint("channel", "ts"),)
    id: int | None = Field(default=None, primary_key=True)
    item_id: int = Field(foreign_key="agenda_item.id", index=True)
    participant_id: int = Field(foreign_key="participant.id", index=True)
    user_id: str
    role: str  # the author's role when they wrote it
    delegation_id: int | None = Field(default=None, foreign_key="delegation.id")
    channel: str
    ts: str
    thread_ts: str
    posted_at: datetime = _utc()  # from the message's own ts, never from arrival
    late: bool = False
    text: str = Field(sa_type=Text)  # the newest version's text, as Slack sent it
    version_at: datetime = _utc()  # time of the version `text` comes from
    revisions: int = 0  # real edits seen (a link unfurl is none)
    status: str = "active"  # active | withdrawn
    withdrawn_at: datetime | None = _utc(nullable=True)
    recorded_at: datetime = _utc()
    # The author's or the secretariat's classification (see COMMENT_KINDS); None: not
    # classified.  Who set it last, and when; every change is also in the audit log.
    kind: str | None = None
    kind_by: str | None = None
    kind_at: datetime | None = _utc(nullable=True)
    # The revised document whose final-concerns window the reply was written in (see
    # bot/concern_phase.py); None: a comment of the ordinary comment period.  `late` is then
    # judged by that window's deadline, not by the item's.
    final_concerns_id: int | None = Field(default=None, foreign_key="revised_document.id")


class CommentRevision(SQLModel, table=True):
    """Every version of a comment ever seen, the original included; edits may arrive late."""

    __tablename__ = "comment_revision"
    __table_args__ = (UniqueConstraint("comment_id", "version_at"),)
    id: int | None = Field(default=None, primary_key=True)
    comment_id: int = Field(foreign_key="comment.id", index=True)
    version_at: datetime = _utc()
    text: str = Field(sa_type=Text)
    recorded_at: datetime = _utc()


class RevisedDocument(SQLModel, table=True):
    """A revised version of an item's document, published by the secretariat: append-only.

    With `concerns_deadline_at` it opens a final-concerns window: replies in the item's thread
    written after the comment deadline and from `published_at` on are final concerns, late
    after `concerns_deadline_at`.  The item's `Document` rows (the meeting file's) stay as
    they were; the record shows both.
    """

    __tablename__ = "revised_document"
    id: int | None = Field(default=None, primary_key=True)
    item_id: int = Field(foreign_key="agenda_item.id", index=True)
    code: str
    title: str = ""
    url: str
    note: str = Field(default="", sa_type=Text)  # what changed, in the secretariat's words
    published_by: str  # Slack user id
    published_at: datetime = _utc()
    concerns_deadline_at: datetime | None = _utc(nullable=True)


class StrayReply(SQLModel, table=True):
    """A reply from someone not on the roster: kept aside for the secretariat, never counted."""

    __tablename__ = "stray_reply"
    __table_args__ = (UniqueConstraint("channel", "ts"),)
    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", index=True)
    item_id: int = Field(foreign_key="agenda_item.id")
    user_id: str
    channel: str
    ts: str
    text: str = Field(sa_type=Text)
    posted_at: datetime = _utc()
    recorded_at: datetime = _utc()


# The decisions on one item form a single chain: one first decision (supersedes nothing), and
# each decision superseded at most once.  So an item never has two current decisions, even when
# two are submitted at once and the code that serialises them (a lock on the item) were wrong.
_FIRST_DECISION = sql_text("supersedes_id IS NULL")


class Decision(SQLModel, table=True):
    """Append-only: a correction is a new row that supersedes the one before."""

    __table_args__ = (
        Index(
            "uq_decision_first_per_item",
            "item_id",
            unique=True,
            sqlite_where=_FIRST_DECISION,
            postgresql_where=_FIRST_DECISION,
        ),
        Index("uq_decision_supersedes_id", "supersedes_id", unique=True),
    )
    id: int | None = Field(default=None, primary_key=True)
    item_id: int = Field(foreign_key="agenda_item.id", index=True)
    kind: str  # approved | noted | deferred
    text: str = Field(sa_type=Text)
    procedure: str = "chair"
    decided_by: str
    decided_at: datetime = _utc()
    supersedes_id: int | None = Field(default=None, foreign_key="decision.id")


class SilenceProcedure(SQLModel, table=True):
    """ "Adopted unless a member objects by the deadline"; broken by the first objection."""

    __tablename__ = "silence_procedure"
    id: int | None = Field(default=None, primary_key=True)
    item_id: int = Field(foreign_key="agenda_item.id", index=True)
    text: str = Field(sa_type=Text)
    started_by: str
    started_at: datetime = _utc()
    deadline_at: datetime = _utc()
    status: str = "running"  # running | broken | adopted | cancelled
    ended_at: datetime | None = _utc(nullable=True)
    decision_id: int | None = Field(default=None, foreign_key="decision.id")
    notice_channel: str | None = None  # the channel notice, updated as the procedure goes
    notice_ts: str | None = None


class Objection(SQLModel, table=True):
    """A member delegation breaking (or adding to the break of) a silence procedure."""

    id: int | None = Field(default=None, primary_key=True)
    procedure_id: int = Field(foreign_key="silence_procedure.id", index=True)
    user_id: str
    delegation_id: int | None = Field(default=None, foreign_key="delegation.id")
    reason: str = Field(sa_type=Text)
    at: datetime = _utc()


class Delivery(SQLModel, table=True):
    """A scheduled message, claimed before it is sent and marked once sent.

    `key` names what is delivered and for which deadline (e.g. "reminder:12:2020-07-17T15:00Z:
    172800"), so a moved deadline yields new keys and a delivery is never made twice.
    """

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True, index=True)
    kind: str  # close | reminder | nudge | silence
    meeting_id: int = Field(foreign_key="meeting.id", index=True)
    item_id: int | None = Field(default=None, foreign_key="agenda_item.id")
    due_at: datetime = _utc()
    claimed_at: datetime | None = _utc(nullable=True)
    claim_token: str | None = None
    attempts: int = 0
    sent_at: datetime | None = _utc(nullable=True)
    skipped_at: datetime | None = _utc(nullable=True)
    note: str = ""  # why it was skipped, or the last error


class AuditEntry(SQLModel, table=True):
    """Append-only log of who did what, including every refusal."""

    __tablename__ = "audit_entry"
    __table_args__ = (Index("ix_audit_entry_meeting_at", "meeting_id", "at"),)
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = _utc()
    meeting_id: int | None = Field(default=None, foreign_key="meeting.id")
    actor: str  # Slack user id, or "cli"
    action: str
    outcome: str = "ok"  # ok | refused
    detail: str = Field(default="", sa_type=Text)


class Reported(SQLModel, table=True):
    """What a digest recipient has been told about, so the next digest brings only what is new.

    `kind` is comment, stray, decision or objection; `ref_id` that row's id.  Kept per
    recipient: a reply recorded late still reaches everyone's next digest, and none twice.
    """

    __table_args__ = (UniqueConstraint("recipient", "kind", "ref_id"),)
    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", index=True)
    recipient: str  # a Slack user id, or the secretariat channel's id
    kind: str
    ref_id: int
    reported_at: datetime = _utc()


class DraftingGroup(SQLModel, table=True):
    """A drafting mini-group: named members working in a private channel the bot creates.

    `slug` (the name folded to a channel-name stem) is unique per meeting, so two groups are
    never told apart by case or punctuation only.  Setting the channel up is claimed
    (`claimed_at`, `claim_token`) before any Web API call and each step's result is stored as it
    completes (`channel`, then each member's `invited_at`, `welcome_ts`, `link_ts`), so a retry
    or a second worker resumes where the first stopped and never creates a second channel.
    """

    __tablename__ = "drafting_group"
    __table_args__ = (UniqueConstraint("meeting_id", "slug"), UniqueConstraint("channel"))
    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", index=True)
    item_id: int | None = Field(default=None, foreign_key="agenda_item.id")  # None: a topic
    topic: str = ""  # the free topic (or a note on the item's aspect)
    name: str
    slug: str
    purpose: str = Field(default="", sa_type=Text)
    created_by: str  # the secretariat member's Slack user id
    created_at: datetime = _utc()
    claimed_at: datetime | None = _utc(nullable=True)
    claim_token: str | None = None
    channel_name: str | None = None  # as Slack accepted it (suffixed after a name clash)
    channel: str | None = None  # the private channel's id, stored as soon as Slack made it
    welcome_ts: str | None = None  # the welcome message in the group's channel
    link_ts: str | None = None  # the link posted in the item's thread (or the meeting channel)
    set_up_at: datetime | None = _utc(nullable=True)  # every step done
    note: str = ""  # the last set-up error, for the secretariat


class DraftingGroupMember(SQLModel, table=True):
    """A member of a drafting group: the people named, and the secretariat member who set it up."""

    __tablename__ = "drafting_group_member"
    __table_args__ = (UniqueConstraint("group_id", "user_id"),)
    id: int | None = Field(default=None, primary_key=True)
    group_id: int = Field(foreign_key="drafting_group.id", index=True)
    participant_id: int = Field(foreign_key="participant.id")
    user_id: str
    position: int = 0  # as named, the convener last
    invited_at: datetime | None = _utc(nullable=True)
    invite_error: str = ""  # Slack's error when the invitation failed


class GroupContribution(SQLModel, table=True):
    """A message in a drafting group's channel, keyed by (channel, ts) like a comment.

    Kept apart from `Comment` on purpose: a group's drafting is not a delegation's formal
    comment on an item, and every count, nudge and CSV row built on comments stays as it is.
    `member` is false for someone who is neither a member of the group nor the secretariat:
    their message is kept (nothing is lost) but shown apart, never as the group's work.
    """

    __tablename__ = "group_contribution"
    __table_args__ = (UniqueConstraint("channel", "ts"),)
    id: int | None = Field(default=None, primary_key=True)
    group_id: int = Field(foreign_key="drafting_group.id", index=True)
    user_id: str
    participant_id: int | None = Field(default=None, foreign_key="participant.id")
    role: str | None = None  # the author's role in the meeting; None: not on the roster
    delegation_id: int | None = Field(default=None, foreign_key="delegation.id")
    member: bool = True
    channel: str
    ts: str
    thread_ts: str | None = None  # None: a top-level message in the group's channel
    posted_at: datetime = _utc()  # from the message's own ts
    text: str = Field(sa_type=Text)  # the newest version's text, as Slack sent it
    version_at: datetime = _utc()
    revisions: int = 0
    status: str = "active"  # active | withdrawn
    withdrawn_at: datetime | None = _utc(nullable=True)
    recorded_at: datetime = _utc()


class GroupContributionRevision(SQLModel, table=True):
    """Every version of a group contribution ever seen, the original included."""

    __tablename__ = "group_contribution_revision"
    __table_args__ = (UniqueConstraint("contribution_id", "version_at"),)
    id: int | None = Field(default=None, primary_key=True)
    contribution_id: int = Field(foreign_key="group_contribution.id", index=True)
    version_at: datetime = _utc()
    text: str = Field(sa_type=Text)
    recorded_at: datetime = _utc()


class HomeViewer(SQLModel, table=True):
    """Someone who has opened Docket's App Home (Slack's app_home_opened event).

    Only their Homes are published when something changes: a Home nobody opened is built when
    it is first opened, so publishing it beforehand is a views.publish nobody sees.
    """

    __tablename__ = "home_viewer"
    id: int | None = Field(default=None, primary_key=True)
    user_id: str = Field(unique=True, index=True)  # Slack user id
    first_opened_at: datetime = _utc()
    opened_at: datetime = _utc()  # the latest opening


class PendingPerson(SQLModel, table=True):
    """A roster entry Slack could not match to anyone (an e-mail users.lookupByEmail does not
    find, as for a delegate from another organisation's workspace), kept when the file was
    loaded with --allow-unresolved.  Matched when that person's request to join is approved."""

    __tablename__ = "pending_person"
    __table_args__ = (UniqueConstraint("meeting_id", "email"),)
    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", index=True)
    email: str
    name: str | None = None
    role: str  # member | observer | chair | secretariat
    delegation_id: int | None = Field(default=None, foreign_key="delegation.id")
    language: str | None = None
    active: bool = True  # false once the file no longer names them
    matched_user_id: str | None = None  # set when an approved request matched them
    source: str = "file"  # file | roster: a file load leaves a spreadsheet's entries alone
    created_at: datetime = _utc()


class EnrolmentRequest(SQLModel, table=True):
    """Someone not on the roster asking, from Slack, to join a delegation: one per person and
    meeting (asking again updates it), decided by the secretariat, audited."""

    __tablename__ = "enrolment_request"
    __table_args__ = (UniqueConstraint("meeting_id", "user_id"),)
    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", index=True)
    user_id: str  # Slack user id
    user_team: str | None = None  # their own workspace, when they come through Slack Connect
    delegation_id: int = Field(foreign_key="delegation.id")
    name: str  # who they say they are
    about: str = Field(default="", sa_type=Text)  # their organisation and function, in their words
    language: str | None = None
    status: str = "pending"  # pending | approved | declined (see EnrolmentStatus)
    requested_at: datetime = _utc()
    decided_by: str | None = None
    decided_at: datetime | None = _utc(nullable=True)
    # The secretariat's direct messages about it (JSON list of [channel, ts]), updated once decided.
    notices: str = Field(default="", sa_type=Text)
