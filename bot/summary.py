"""The summary record of a meeting, as plain data: what every export format shows.

`build_summary` reads the database with a fixed number of queries whatever the meeting's size
(no query per comment, item or delegation), and the writers in `bot/record_formats.py` and
the charts in `bot/charts.py` only format this structure.  Withdrawn comments are kept, marked
where they stand, and counted apart: never in the totals.
"""

from dataclasses import dataclass, field
from datetime import datetime

KINDS = ("member", "observer", "chair", "secretariat")  # the order every table and chart uses


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
    text: str  # the latest text, Slack's &amp; &lt; &gt; unescaped
    revisions: int  # real edits


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


@dataclass(frozen=True)
class RosterEntry:
    delegation: str  # a delegation's name, or "Chair" / "Secretariat"
    kind: str  # member | observer | chair | secretariat
    user: str
    email: str | None
    took_part: bool  # wrote at least one active comment


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
