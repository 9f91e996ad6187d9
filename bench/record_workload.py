"""The 2020 session at N times its size, written straight into an empty database.

    DOCKET_BENCH_URL=sqlite:////tmp/x.db .venv/bin/python -m bench.record_workload N [SEED]

prints what it made, as JSON.

`examples/ptc-2020.yaml` is loaded as the CLI would load it (e-mail addresses resolved by a fake
lookup: nothing reaches Slack), then grown with SQLAlchemy Core bulk inserts, one transaction per
table: N times the delegations ("Australia #2", ...) each with as many delegates as the original
(fresh user ids), the same nine items (posted at their opening) and their documents, N x 390
comments spread over the session's seven weeks by a seeded random (about 83% by members, 12%
observers, 1% chair, 3% secretariat; 4% late, 2% withdrawn, 4% edited once or twice, with every
version in `comment_revision`), N x 5 replies from people not on the roster, and decisions on
eight of the nine items, one adopted by silence procedure.  The chair and the secretariat are
not multiplied.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, Table, func, insert, select, update
from sqlmodel import SQLModel

from bench.record_bench import URL_ENV
from bot.core.db import create_schema, make_engine, session_scope
from bot.domain.meetings import load_meeting
from bot.parse.meeting_file import read_meeting_file

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "ptc-2020.yaml"

# The 2020 session, per 1x: 390 comments; a few replies from people not on the roster.
COMMENTS_PER_SCALE = 390
STRAYS_PER_SCALE = 5
KIND_WEIGHTS = {"member": 83, "observer": 12, "chair": 1, "secretariat": 3}
LATE, WITHDRAWN, EDITED = 0.04, 0.02, 0.04
TEXT_MIN, TEXT_MAX = 80, 600
SESSION_WEEKS = 7
# B items (3-6, 11) draw more comments than the A items (7-10).
ITEM_WEIGHTS = {3: 1.6, 4: 1.4, 5: 1.5, 6: 1.0, 7: 0.5, 8: 0.6, 9: 0.4, 10: 0.5, 11: 1.1}
UNDECIDED_ITEM = 11  # awaiting the chair
SILENCE_ITEM = 7  # adopted by silence procedure
NOTED_ITEMS = {9}
LOADED_AT = datetime(2020, 6, 26, 9, 0, tzinfo=UTC)
CHUNK = 5_000
PROSE = (
    "the delegation supports the proposal and thanks the Secretariat for the document "
    "customs administrations business continuity guidance pandemic response recovery "
    "we would suggest adding a reference to paragraph annex e-commerce framework standards "
    "data exchange risk management capacity building members observers private sector "
    "coordinated border management single window trade facilitation agreement "
    "our administration has implemented similar measures and can share its experience "
    "further clarification would be welcome on the timeline and the resources required "
    "in our view the working group should consider the impact on small and medium enterprises "
    "we propose to replace the word shall by should in the second sentence of the draft "
    "passenger facilitation advance information postal items express consignments"
)
WORDS = PROSE.split()


@dataclass
class Generated:
    scale: int
    meeting_id: int
    delegations: int
    participants: int
    comments: int
    withdrawn: int
    edited: int
    late_active: int  # late and not withdrawn: what the record counts as late
    revisions_rows: int
    strays: int
    decisions: int
    now: str  # ISO: the moment the record and the digest are built at
    weeks: int  # meeting weeks the comments are spread over
    seconds: float
    kinds: dict[str, int] = field(default_factory=dict)  # active comments by kind


def fake_lookup(email: str) -> str:
    """A stable made-up Slack user id per address; the benchmark never calls Slack."""
    return "UE" + hashlib.sha1(email.lower().encode()).hexdigest().upper()[:10]


def _table(name: str) -> Table:
    return SQLModel.metadata.tables[name]


def _bulk(engine: Engine, table: Table, rows: list[dict[str, Any]]) -> None:
    """Core executemany in chunks, one transaction for the table."""
    with engine.begin() as conn:
        for start in range(0, len(rows), CHUNK):
            conn.execute(insert(table), rows[start : start + CHUNK])


class _Texts:
    """Comment texts of 80-600 characters, cut from a seeded word stream (fast, varied)."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.corpus = " ".join(rng.choice(WORDS) for _ in range(60_000))

    def make(self) -> str:
        rng = self.rng
        length = rng.randint(TEXT_MIN + 2, TEXT_MAX)
        start = rng.randrange(0, len(self.corpus) - length - 1)
        body = self.corpus[start : start + length].strip()
        text = body[:1].upper() + body[1 : length - 1] + "."
        roll = rng.random()
        if roll < 0.10:  # paragraphs
            cut = len(text) // 2
            text = text[:cut] + "\n\n" + text[cut:]
        elif roll < 0.11:  # Slack's escapes, as Slack sends them
            text = text[: len(text) // 2] + " &amp; R&amp;D &lt;annex&gt; " + text[len(text) // 2 :]
        elif roll < 0.112:  # looks like a formula: must stay text in the workbook
            text = "=SUM(A1:A9) " + text
        return text[:TEXT_MAX]


def _ts(moment: datetime, seq: int) -> tuple[str, datetime]:
    """A Slack ts unique by its fraction, and its instant (as bot.core.clock reads it)."""
    seconds = int(moment.timestamp())
    return f"{seconds}.{seq:06d}", datetime.fromtimestamp(seconds, UTC) + timedelta(
        microseconds=seq
    )


def generate(url: str, scale: int, seed: int) -> Generated:
    """The 2020 session at `scale` times its size, written straight into an empty database."""
    started = time.perf_counter()
    if scale * (COMMENTS_PER_SCALE + STRAYS_PER_SCALE) >= 1_000_000:
        raise SystemExit("scale too large: Slack ts fractions would repeat (keep it below 2,500)")
    rng = random.Random(f"docket-bench-{seed}-{scale}")
    engine = make_engine(url)
    try:
        _make_schema(engine)
        spec = read_meeting_file(EXAMPLE, fake_lookup)
        with session_scope(engine) as session:
            meeting = load_meeting(session, spec=spec, now=LOADED_AT).meeting
            assert meeting.id is not None
            meeting_id, channel, zone = meeting.id, meeting.channel, ZoneInfo(meeting.timezone)
        _replicate_roster(engine, meeting_id, scale)
        items = _post_items(engine, meeting_id, channel)
        # "Now" for the record and the digest: the end of the session's seventh week.
        first_day = min(item.opens_at for item in items).astimezone(zone).date()
        week_one = datetime(first_day.year, first_day.month, first_day.day, tzinfo=zone)
        now = (week_one + timedelta(weeks=SESSION_WEEKS)).astimezone(UTC) - timedelta(hours=1)
        authors = _Authors(engine, meeting_id, rng)
        made = _write_comments(engine, rng, scale, items, authors, channel, now)
        strays = _write_strays(engine, rng, scale, meeting_id, items, channel, now)
        decisions = _decide(engine, items, authors.chair[0].user_id, zone)
        return Generated(
            scale=scale,
            meeting_id=meeting_id,
            delegations=authors.delegations,
            participants=authors.participants,
            comments=made.comments,
            withdrawn=made.withdrawn,
            edited=made.edited,
            late_active=made.late_active,
            revisions_rows=made.revision_rows,
            strays=strays,
            decisions=decisions,
            now=now.isoformat(),
            weeks=SESSION_WEEKS,
            seconds=time.perf_counter() - started,
            kinds=made.kinds,
        )
    finally:
        engine.dispose()


def _make_schema(engine: Engine) -> None:
    """The schema a deployment runs on: the migrations where this tree has them."""
    try:
        from bot.core.schema import migrate
    except ImportError:  # a tree from before the migrations
        create_schema(engine)
    else:
        migrate(engine)


def _replicate_roster(engine: Engine, meeting_id: int, scale: int) -> None:
    """Copies 2..N of every delegation ("Australia #2"), each with as many delegates as the
    original, under fresh user ids."""
    delegation_t, participant_t = _table("delegation"), _table("participant")
    with engine.connect() as conn:
        originals = conn.execute(
            select(delegation_t.c.id, delegation_t.c.name, delegation_t.c.kind)
            .where(delegation_t.c.meeting_id == meeting_id)
            .order_by(delegation_t.c.position)
        ).all()
        sizes: dict[int | None, int] = {
            delegation_id: count
            for delegation_id, count in conn.execute(
                select(participant_t.c.delegation_id, func.count())
                .where(participant_t.c.meeting_id == meeting_id)
                .group_by(participant_t.c.delegation_id)
            )
        }
    copies = [(k, d) for k in range(2, scale + 1) for d in originals]
    _bulk(
        engine,
        delegation_t,
        [
            {
                "meeting_id": meeting_id,
                "name": f"{d.name} #{k}",
                "kind": d.kind,
                "position": position,
                "active": True,
            }
            for position, (k, d) in enumerate(copies, start=len(originals))
        ],
    )
    with engine.connect() as conn:
        id_of = dict(
            conn.execute(
                select(delegation_t.c.name, delegation_t.c.id).where(
                    delegation_t.c.meeting_id == meeting_id
                )
            ).all()
        )
    people = [
        {"meeting_id": meeting_id, "role": d.kind, "delegation_id": id_of[f"{d.name} #{k}"]}
        for k, d in copies
        for _ in range(sizes.get(d.id, 0))
    ]
    for serial, person in enumerate(people, start=1):
        person.update(user_id=f"UB{serial:08d}", email=None, active=True)
    _bulk(engine, participant_t, people)


def _post_items(engine: Engine, meeting_id: int, channel: str) -> list[Any]:
    """Every item posted at its opening, as the poster would have; returns the items' rows."""
    item_t = _table("agenda_item")
    with engine.begin() as conn:
        items = conn.execute(
            select(item_t.c.id, item_t.c.number, item_t.c.opens_at, item_t.c.deadline_at)
            .where(item_t.c.meeting_id == meeting_id)
            .order_by(item_t.c.number)
        ).all()
        for item in items:
            conn.execute(
                update(item_t)
                .where(item_t.c.id == item.id)
                .values(
                    post_claimed_at=item.opens_at,
                    post_channel=channel,
                    post_ts=_root_ts(item),
                    posted_at=item.opens_at,
                )
            )
    return list(items)


def _root_ts(item: Any) -> str:
    return _ts(item.opens_at, item.number)[0]


class _Authors:
    """Who may write, and a seeded draw of an author of each kind: delegations weighted by how
    active they are (0.3 to 1.7), heads of delegation most likely within one."""

    def __init__(self, engine: Engine, meeting_id: int, rng: random.Random) -> None:
        participant_t, delegation_t = _table("participant"), _table("delegation")
        with engine.connect() as conn:
            people = conn.execute(
                select(
                    participant_t.c.id,
                    participant_t.c.user_id,
                    participant_t.c.role,
                    participant_t.c.delegation_id,
                )
                .where(participant_t.c.meeting_id == meeting_id)
                .order_by(participant_t.c.id)
            ).all()
            kind_of = dict(
                conn.execute(
                    select(delegation_t.c.id, delegation_t.c.kind).where(
                        delegation_t.c.meeting_id == meeting_id
                    )
                ).all()
            )
        self.rng = rng
        self.participants = len(people)
        self.delegations = len(kind_of)
        self.chair = [p for p in people if p.role == "chair"]
        self.secretariat = [p for p in people if p.role == "secretariat"]
        self.members: dict[int, list[Any]] = {}
        for person in people:
            if person.delegation_id is not None:
                self.members.setdefault(person.delegation_id, []).append(person)
        self.pools: dict[str, tuple[list[int], list[float]]] = {
            "member": ([], []),
            "observer": ([], []),
        }
        for delegation_id in self.members:
            ids, weights = self.pools[kind_of[delegation_id]]
            ids.append(delegation_id)
            weights.append(rng.uniform(0.3, 1.7))

    def draw(self, kind: str) -> Any:
        rng = self.rng
        if kind == "chair":
            return rng.choice(self.chair)
        if kind == "secretariat":
            return rng.choice(self.secretariat)
        ids, weights = self.pools[kind]
        group = self.members[rng.choices(ids, weights=weights)[0]]
        return rng.choices(group, weights=[4, 2, *[1] * len(group)][: len(group)])[0]


@dataclass
class _Made:
    comments: int
    withdrawn: int
    edited: int
    late_active: int
    revision_rows: int
    kinds: dict[str, int]


def _write_comments(
    engine: Engine,
    rng: random.Random,
    scale: int,
    items: list[Any],
    authors: _Authors,
    channel: str,
    end: datetime,
) -> _Made:
    """N x 390 comments: on time between an item's opening and its deadline (more of them as the
    deadline nears), late ones between the deadline and the end of the seventh week; every
    version in `comment_revision`, the original included, as the bot records them."""
    comment_t, revision_t = _table("comment"), _table("comment_revision")
    total = scale * COMMENTS_PER_SCALE
    kinds = rng.choices(list(KIND_WEIGHTS), weights=list(KIND_WEIGHTS.values()), k=total)
    weights = [ITEM_WEIGHTS.get(item.number, 1.0) for item in items]
    targets = rng.choices(items, weights=weights, k=total)
    texts = _Texts(rng)
    made = _Made(total, 0, 0, 0, 0, dict.fromkeys(KIND_WEIGHTS, 0))
    rows: list[dict[str, Any]] = []
    versions: list[list[tuple[datetime, str]]] = []  # per comment, oldest first
    for seq, (kind, item) in enumerate(zip(kinds, targets, strict=True), start=1):
        author = authors.draw(kind)
        if rng.random() < LATE:
            moment = item.deadline_at + (end - item.deadline_at) * rng.random()
        else:
            moment = item.opens_at + (item.deadline_at - item.opens_at) * rng.random() ** 0.6
        ts, posted_at = _ts(moment, seq)
        late = posted_at > item.deadline_at
        history = [(posted_at, texts.make())]
        if rng.random() < EDITED:
            made.edited += 1
            at = posted_at
            for _ in range(rng.choice((1, 1, 2))):
                at += timedelta(minutes=rng.randint(2, 600))
                history.append((at, texts.make()))
        withdrawn = rng.random() < WITHDRAWN
        if withdrawn:
            made.withdrawn += 1
        else:
            made.late_active += late
            made.kinds[kind] += 1
        version_at, text = history[-1]
        rows.append(
            {
                "item_id": item.id,
                "participant_id": author.id,
                "user_id": author.user_id,
                "role": author.role,
                "delegation_id": author.delegation_id,
                "channel": channel,
                "ts": ts,
                "thread_ts": _root_ts(item),
                "posted_at": posted_at,
                "late": late,
                "text": text,
                "version_at": version_at,
                "revisions": len(history) - 1,
                "status": "withdrawn" if withdrawn else "active",
                "withdrawn_at": version_at + timedelta(hours=rng.randint(1, 48))
                if withdrawn
                else None,
                "recorded_at": posted_at + timedelta(seconds=rng.randint(1, 5)),
            }
        )
        versions.append(history)
    _bulk(engine, comment_t, rows)
    with engine.connect() as conn:
        id_of = dict(
            conn.execute(
                select(comment_t.c.ts, comment_t.c.id).where(
                    comment_t.c.item_id.in_([item.id for item in items])
                )
            ).all()
        )
    revisions = [
        {"comment_id": id_of[row["ts"]], "version_at": at, "text": text, "recorded_at": at}
        for row, history in zip(rows, versions, strict=True)
        for at, text in history
    ]
    _bulk(engine, revision_t, revisions)
    made.revision_rows = len(revisions)
    return made


def _write_strays(
    engine: Engine,
    rng: random.Random,
    scale: int,
    meeting_id: int,
    items: list[Any],
    channel: str,
    end: datetime,
) -> int:
    """N x 5 replies from people not on the roster, kept aside."""
    texts = _Texts(rng)
    first_seq = scale * COMMENTS_PER_SCALE  # ts fractions after the comments'
    rows = []
    for n in range(1, scale * STRAYS_PER_SCALE + 1):
        item = rng.choice(items)
        ts, posted_at = _ts(item.opens_at + (end - item.opens_at) * rng.random(), first_seq + n)
        rows.append(
            {
                "meeting_id": meeting_id,
                "item_id": item.id,
                "user_id": f"UZ{n:08d}",
                "channel": channel,
                "ts": ts,
                "text": texts.make(),
                "posted_at": posted_at,
                "recorded_at": posted_at,
            }
        )
    _bulk(engine, _table("stray_reply"), rows)
    return len(rows)


def _new_id(result: Any) -> int:
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


def _decide(engine: Engine, items: Sequence[Any], chair: str, zone: ZoneInfo) -> int:
    """Decisions on every item but one, a week and a half after the last deadline; one of them
    adopted by silence procedure."""
    decision_t, silence_t = _table("decision"), _table("silence_procedure")
    last_deadline = max(item.deadline_at for item in items)
    day = (last_deadline + timedelta(days=10)).astimezone(zone).date()
    made = 0
    with engine.begin() as conn:
        for slot, item in enumerate(sorted(items, key=lambda i: i.number)):
            if item.number == UNDECIDED_ITEM:
                continue
            if item.number == SILENCE_ITEM:
                started = datetime(day.year, day.month, day.day, 10, tzinfo=zone) - timedelta(
                    days=7
                )
                until = started + timedelta(days=5)
                text = "The PTC approved the terms of reference, no Member having objected."
                decided = conn.execute(
                    insert(decision_t).values(
                        item_id=item.id,
                        kind="approved",
                        text=text,
                        procedure="silence",
                        decided_by=chair,
                        decided_at=until,
                    )
                )
                conn.execute(
                    insert(silence_t).values(
                        item_id=item.id,
                        text=text,
                        started_by=chair,
                        started_at=started,
                        deadline_at=until,
                        status="adopted",
                        ended_at=until,
                        decision_id=_new_id(decided),
                    )
                )
            else:
                kind = "noted" if item.number in NOTED_ITEMS else "approved"
                conn.execute(
                    insert(decision_t).values(
                        item_id=item.id,
                        kind=kind,
                        text=f"The PTC {kind} the proposal under item {item.number}, taking "
                        "into account the comments made by Members and observers.",
                        procedure="chair",
                        decided_by=chair,
                        decided_at=datetime(day.year, day.month, day.day, 10 + slot, tzinfo=zone),
                    )
                )
            made += 1
    return made


def main(argv: Sequence[str]) -> int:
    if len(argv) not in (1, 2) or URL_ENV not in os.environ:
        print(f"usage: {URL_ENV}=URL python -m bench.record_workload N [SEED]", file=sys.stderr)
        return 2
    made = generate(os.environ[URL_ENV], int(argv[0]), int(argv[1]) if len(argv) == 2 else 2020)
    print(json.dumps(asdict(made)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
