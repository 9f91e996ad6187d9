"""The conversation the offline demo plays: a deterministic script of replies, edits and decisions.

The demo must show a whole written session -- hundreds of comments, the awkward cases Slack
produces (edits, deletions, redeliveries, people not on the roster, escaped text) and the chair's
decisions -- without a Slack workspace or real delegates. This module only *writes* that script:
it is a pure function of the parsed meeting file and a seed, with no I/O, no clock and no global
random state, so the demo, its tests and anyone reading a bug report all see the same conversation.

Everything the script needs to know comes from the meeting mapping (as ``yaml.safe_load`` returns
it). Topic-specific wording is picked by keywords in the item titles, so another meeting file still
gets a plausible, if blander, conversation.
"""

import random
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any, Literal
from zoneinfo import ZoneInfo

__all__ = [
    "Concern",
    "Decide",
    "Delete",
    "Edit",
    "Group",
    "GroupPost",
    "Object",
    "Redeliver",
    "Reply",
    "Revise",
    "Silence",
    "Step",
    "Stranger",
    "build_script",
    "summary_counts",
]


@dataclass(frozen=True)
class Reply:
    """A delegate's reply in an agenda item's thread; it becomes a formal comment.

    ``ref`` numbers replies in chronological order so that later steps can point at one.
    ``user`` is as written in the meeting file: a Slack user id, or an e-mail address that the demo
    maps to the id its Slack stand-in assigned.
    """

    ref: int
    item: int
    user: str
    text: str
    at: datetime
    # How its author would classify it (general, drafting, support, reservation); None for the
    # chair's and the secretariat's notes.  The demo has some authors mark theirs.
    kind: str | None = None


@dataclass(frozen=True)
class Edit:
    """The author edits reply ``ref``; the record keeps the latest text and counts revisions."""

    ref: int
    text: str
    at: datetime


@dataclass(frozen=True)
class Delete:
    """The author deletes reply ``ref``; the comment is withdrawn but its text is kept."""

    ref: int
    at: datetime


@dataclass(frozen=True)
class Redeliver:
    """Slack delivers reply ``ref`` again.

    ``retry`` repeats the same event (same event id, as after a slow acknowledgement);
    ``new_event_id`` is the same message under a fresh event id, which only the message's own
    channel and ts can identify as a duplicate. It has no time of its own: it follows its reply.
    """

    ref: int
    mode: Literal["retry", "new_event_id"]


@dataclass(frozen=True)
class Stranger:
    """Someone not on the roster replies in an item's thread; this must not become a comment."""

    item: int
    user: str
    text: str
    at: datetime


@dataclass(frozen=True)
class Decide:
    """The chair records a decision on an item; ``text`` None means "as proposed"."""

    item: int
    kind: Literal["approve", "note", "defer"]
    text: str | None
    at: datetime


@dataclass(frozen=True)
class Silence:
    """The chair starts a silence procedure: adopted unless a member objects by ``until``."""

    item: int
    until: datetime
    text: str | None
    at: datetime


@dataclass(frozen=True)
class Object:
    """A member delegate breaks a running silence procedure with ``/object``."""

    item: int
    user: str
    reason: str
    at: datetime


@dataclass(frozen=True)
class Group:
    """The secretariat sets up a drafting mini-group on an item with ``/group``."""

    item: int
    name: str
    members: tuple[str, ...]  # as written in the meeting file, like Reply.user
    purpose: str
    by: str  # the secretariat member
    at: datetime


@dataclass(frozen=True)
class Revise:
    """The secretariat publishes a revised document on ``item`` through the /revise form,
    opening a final-concerns window until ``until``."""

    item: int
    code: str
    title: str
    url: str
    note: str
    until: datetime
    at: datetime


@dataclass(frozen=True)
class Concern:
    """A delegate raises a final concern: a reply in the item's thread during the window."""

    item: int
    user: str
    text: str
    at: datetime


@dataclass(frozen=True)
class GroupPost:
    """A message in the drafting group's private channel.

    ``ref`` numbers the group's messages; ``reply_to`` is None for a top-level message, -1 for a
    reply under the bot's welcome, or the ``ref`` of the group message it answers.
    """

    ref: int
    user: str
    text: str
    reply_to: int | None
    at: datetime


Step = (
    Reply
    | Edit
    | Delete
    | Redeliver
    | Stranger
    | Decide
    | Silence
    | Object
    | Revise
    | Concern
    | Group
    | GroupPost
)

# Shares of the replies by who writes them; fixed counts rather than per-reply coin flips so every
# seed gives the same figures and the tests can pin them.
_OBSERVER_SHARE = 0.12
_STAFF_SHARE = 0.04  # chair and secretariat together
_LATE_SHARE = 0.04
_LATE_WINDOW = timedelta(days=2)
_EDITS = 15  # on 14 replies: one reply is edited twice
_DELETES = 6
_WRONG_THREAD_DELETES = 2  # of the deletions, posted in the wrong thread and removed at once
_REDELIVERIES: tuple[Literal["retry", "new_event_id"], ...] = ("retry", "new_event_id") * 3
_QUIET_MEMBERS = 3  # member delegations that comment on only two items, so nudges have work
_MIN_ITEMS_PER_MEMBER = 2
_HOT_TOPICS = ("covid", "commerce")  # the 2020 session's busiest subjects
_HOT_WEIGHT = 2.0
_STRANGERS = (
    "Hello, I work in the press office of our Ministry of Finance. May I follow this discussion?",
    "Is this the right place to send comments on {doc}? Our delegation registered late.",
    "test - please ignore",
    "Could someone add me to our delegation? I am replacing our head of delegation this week.",
    "We support the proposal.",
)

# How the chair closes the items, in item-number order: two approvals as proposed, one with
# custom wording, one approval corrected later, one silence procedure broken by an objection
# (the chair then approves with new wording), one adopted by silence, one deferral, one noting,
# and one item left open so the demo shows an item still awaiting a decision.
_DecisionPlan = Literal[
    "as_proposed", "custom", "corrected", "silence_broken", "silence", "defer", "note", "await"
]
_DECISION_PLAN: tuple[_DecisionPlan, ...] = (
    "as_proposed",
    "custom",
    "corrected",
    "as_proposed",
    "silence_broken",
    "silence",
    "defer",
    "note",
    "await",
)
_DECISION_HOURS = (10, 14, 16)  # local times of the chair's decisions, three a day

_Role = Literal["member", "observer", "chair", "secretariat"]
_Category = Literal["support", "drafting", "question", "reservation", "experience"]
# The comment kind (bot.domain.classify) a delegate would give each category of reply.
_KIND_OF_CATEGORY: dict[_Category, str] = {
    "support": "support",
    "drafting": "drafting",
    "question": "general",
    "reservation": "reservation",
    "experience": "general",
}


@dataclass(frozen=True)
class _Person:
    user: str
    role: _Role
    delegation: str  # the delegation's name, or "Chair" / "Secretariat"
    weight: int  # heads of delegation (listed first) speak more often


@dataclass(frozen=True)
class _Item:
    number: int
    title: str
    docs: tuple[str, ...]
    opens: datetime  # aware UTC
    deadline: datetime  # aware UTC

    @property
    def doc(self) -> str:
        return self.docs[0] if self.docs else f"the document for item {self.number}"

    @property
    def hot(self) -> bool:
        return any(word in self.title.lower() for word in _HOT_TOPICS)


@dataclass
class _Draft:
    """A reply while the script is being assembled; frozen into a Reply once complete."""

    item: _Item
    role: _Role
    person: _Person | None = None
    at: datetime = field(default_factory=lambda: datetime.fromtimestamp(0, tz=UTC))
    ref: int = -1
    text: str = ""
    kind: str | None = None


@dataclass(frozen=True)
class _Special:
    """A comment that must appear somewhere: it exercises one awkward case of Slack text."""

    template: str
    delegations: tuple[str, ...] = ()  # preferred authors, so the language fits the speaker
    topic: str = ""  # preferred item, by keyword in its title


# Each of these appears exactly once, on a member's or observer's reply that is neither edited nor
# deleted, so the awkward text survives to the exported record.
_SPECIALS: tuple[_Special, ...] = (
    _Special(
        "=SUM(A1:A2) is how the annex computes thresholds; could the Secretariat check that "
        "Annex II uses the same formula?",
        topic="commerce",
    ),
    _Special("+1 to the comments made by {other}."),
    _Special(
        "- paragraph {p}: support\n- paragraph {p2}: see our drafting suggestion below\n"
        "- annex: no comments"
    ),
    _Special(
        "中国海关支持该提案。China Customs supports the proposal and is ready to share its "
        "experience for the best practices database.",
        delegations=("China",),
        topic="tools",
    ),
    _Special(
        "تؤيد إدارتنا الجمركية المقترح. We support the proposal; an Arabic version of {doc} "
        "would help consultations in our region.",
        delegations=("Saudi Arabia", "Egypt", "Morocco"),
    ),
    _Special(
        "La Côte d'Ivoire appuie la proposition et remercie le Secrétariat. Nous proposons "
        "d'ajouter « dans la mesure du possible » au paragraphe {p}.",
        delegations=("Côte d'Ivoire",),
    ),
    _Special(
        # worded so that anyone can say it: the topic matters more here than the speaker
        "The express hub at São Paulo/Guarulhos saw low-value consignments triple during the "
        "lockdown; it would make a good case study for {doc}.",
        topic="commerce",
    ),
    _Special(
        "Türkiye supports the proposal and suggests a reference to the Istanbul Convention "
        "(temporary admission) in paragraph {p}, for relief equipment.",
        delegations=("Türkiye",),
        topic="disaster",
    ),
    _Special(
        "Российская Федерация поддерживает предложение. The Russian Federation supports the "
        "proposed decision.",
        delegations=("Russian Federation",),
    ),
    _Special(":+1: Fully support, and thanks to the Secretariat for a very clear document :clap:"),
    _Special("Supports the proposed decision 👍"),
    _Special(
        "Thank you for the excellent work 🙏🏽 The database 📊 will be very useful for smaller "
        "administrations.",
        topic="tools",
    ),
    _Special(
        "<@{sec}> could you confirm whether {doc} replaces the 2018 version? Our detailed comments "
        "are here: <https://example.org/ptc/comments/{doc_lower}|link>"
    ),
    _Special(
        "Our national guidelines are published at <https://example.org/covid-19/guidelines> and "
        "<https://example.org/search?q=relief&amp;lang=en|in the search portal>.",
        topic="covid",
    ),
    _Special(
        "*Reservation:* we cannot accept paragraph {p} as drafted. _Scrutiny reservation pending "
        "consultation with our Ministry of Finance._"
    ),
    _Special(
        "Paragraph {p} should mention both Customs &amp; Excise and research &amp; development "
        "units, as in the 2019 text."
    ),
    _Special(
        "In Annex I the thresholds read &gt; USD 800 and &lt; USD 10; we believe the signs are "
        "reversed.",
        topic="commerce",
    ),
    _Special(
        "&gt; The PTC is invited to endorse\nWe would prefer “take note of”, since the tools are "
        "still being tested."
    ),
    _Special("In `{doc}`, the table in paragraph {p} uses `HS 3004` where `HS 3002` is meant."),
    _Special(
        "Three points on {doc}:\n1. we support the overall approach;\n2. paragraph {p}: replace "
        "'shall' with 'should';\n3. the timeline in the annex seems too ambitious for 2021."
    ),
)

# Sentences about the substance of an item, chosen by keywords in its title.
_TOPIC_LINES: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...] = (
    (
        ("disaster",),
        (
            "During the lockdown we set up a 24/7 coordination cell with the health ministry; "
            "a WCO checklist for that phase would have saved us weeks.",
            "The preparedness phase deserves more attention: most gaps we saw were in "
            "pre-agreed procedures for relief consignments.",
            "The recovery phase should also cover the resumption of post-clearance audits.",
            "Coordination with WHO and the humanitarian agencies should be mentioned explicitly.",
        ),
    ),
    (
        ("tools", "business continuity"),
        (
            "Our business continuity plan moved most clearance staff to remote work within a "
            "week; we can share it for the best practices database.",
            "The gap analysis should cover the Revised Kyoto Convention guidelines on relief "
            "consignments, not only the SAFE Framework.",
            "The database should be searchable by type of disaster and by Customs procedure.",
            "Business continuity guidance should include paperless clearance and electronic "
            "certificates of origin.",
        ),
    ),
    (
        ("commerce",),
        (
            "Our postal volumes of low-value consignments doubled between March and June; the "
            "annexes arrive at the right time.",
            "The case studies should include at least one small island economy and one "
            "land-locked country.",
            "The update mechanism should let Members propose amendments between PTC sessions.",
            "Capacity building should give priority to advance electronic data for postal "
            "consignments, together with the UPU.",
        ),
    ),
    (
        ("foresight", "strategic"),
        (
            "The Environmental Scan should include a scenario with prolonged travel restrictions.",
            "The roadmap leaves little time for regional consultations before the Council.",
            "We support aligning the roadmap with the triennial Environmental Scan.",
        ),
    ),
    (
        ("passenger",),
        (
            "The Working Group should cover API/PNR data protection from the start.",
            "We suggest adding cruise passengers to the scope in paragraph 2.",
        ),
    ),
    (
        ("counterfeit",),
        (
            "The terms of reference should mention counterfeit medical products explicitly, "
            "given the recent seizures of fake face masks.",
            "We support wider participation of right holders in the Group's meetings.",
        ),
    ),
    (
        ("transit",),
        (
            "Our contribution on guarantee management for regional transit was sent on 24 June; "
            "could it still be included?",
            "The compilation would benefit from a short section on electronic transit documents.",
        ),
    ),
    (
        ("air cargo",),
        (
            "We thank the Group; our administration has applied the PLACI guidance since 2019.",
            "The remaining work should continue in the SAFE Working Group.",
        ),
    ),
    (
        ("rules of procedure",),
        (
            "We volunteer to take part in the mini-group.",
            "The new rules should allow written and silence procedures with clear deadlines.",
            "The mini-group should also consider quorum rules for online sessions.",
        ),
    ),
)
_GENERIC_LINES = (
    "We look forward to the next steps.",
    "This work is timely for our administration.",
)

_TEMPLATES: dict[_Category, tuple[str, ...]] = {
    "support": (
        "{Subj} supports the proposal under item {n} and thanks the Secretariat for {doc}.",
        "{Subj} can endorse the proposed decision as drafted.",
        "We support the proposal. {line}",
        "{Subj} aligns itself with the comments made by {other} and supports the proposed "
        "decision.",
        "Supportive of the approach in {doc}. {line}",
        "Thank you to the Secretariat. We have no objection to the proposed decision.",
    ),
    "drafting": (
        "In paragraph {p} of {doc}, replace 'shall' with 'should': the text is guidance, not an "
        "obligation.",
        "Paragraph {p}: we suggest adding 'where national legislation allows' after 'Members'.",
        "In paragraph {p}, delete the second sentence, which repeats paragraph {p0}.",
        "Drafting suggestion for paragraph {p}: replace 'ensure' with 'endeavour to ensure'.",
        "In the annex to {doc}, the cross-reference to paragraph {p} should be to paragraph {p2}.",
        "We suggest moving paragraph {p} before paragraph {p0}, so that the objectives come first.",
    ),
    "question": (
        "<@{sec}> could the Secretariat clarify whether {doc} would be binding on Members?",
        "Question to the Secretariat: what are the resource implications of the proposal under "
        "item {n}?",
        "Could the Secretariat explain how this work relates to the SAFE Framework of Standards?",
        "<@{sec}> when will the revised version of {doc} be circulated?",
        "What is the expected timeline for the next steps on item {n}?",
    ),
    "reservation": (
        "{Subj} places a scrutiny reservation on paragraph {p} of {doc}, pending consultation "
        "with other ministries.",
        "We cannot support paragraph {p} as drafted; a reference to national legislation is "
        "needed.",
        "{Subj} has concerns about the timeline in {doc} and would prefer to review it at the "
        "next session.",
        "We enter a general reservation on item {n} until our capital has completed its review.",
    ),
    "experience": (
        "{line}",
        "{Subj} supports the proposal. {line}",
        "Two remarks.\n{line}\nOtherwise we can go along with the proposed decision.",
    ),
}
_CATEGORY_WEIGHTS: dict[_Role, tuple[int, ...]] = {
    # support, drafting, question, reservation, experience
    "member": (34, 24, 14, 9, 19),
    "observer": (40, 10, 20, 0, 30),  # observers comment but hold no reservations
}
_SECRETARIAT_ANSWERS = (
    "{doc} complements the existing instruments; it does not replace any of them.",
    "A revised version of {doc} will be circulated after the deadline, with all drafting "
    "suggestions in track changes.",
    "The timeline in the annex is indicative; the Secretariat will propose dates to the next "
    "session.",
    "There are no additional budget implications; the work is covered by existing resources.",
)
_SECRETARIAT_NOTES = (
    "The Secretariat thanks delegations for the comments received so far; a consolidated table "
    "will be circulated after the deadline.",
    "Reminder: the deadline for comments on item {n} is {deadline}.",
)
_CHAIR_NOTES = (
    "The Chair thanks delegations for their active participation and reminds those who have not "
    "yet commented that the deadline for item {n} is {deadline}.",
    "The Chair notes broad support for the proposal; delegations with reservations are invited "
    "to propose alternative wording before {deadline}.",
)
_TYPOS = (("the", "teh"), ("proposal", "propsal"), ("Secretariat", "Secretariet"), ("we", "ew"))
_ADDENDA = (
    "Edit: this position has now been cleared with our capital.",
    "Addendum: the same remark applies to the French version.",
    "Edit: corrected after internal consultation.",
)
# English names spelled out rather than taken from strftime, which follows the process locale.
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_NEEDS_ARTICLE = (
    "United ",
    "Netherlands",
    "Russian Federation",
    "Republic of",
    "Philippines",
    "Gambia",
    "International ",
    "Universal ",
    "World ",
    "Global ",
    "European ",
)


def build_script(meeting: Mapping[str, Any], *, seed: int = 2020, replies: int = 390) -> list[Step]:
    """Return the demo's conversation for ``meeting``, in chronological order.

    The same meeting, seed and reply count always give the same list, because all randomness
    comes from one ``random.Random(seed)``. Raises ValueError when the meeting cannot hold the
    script (no member delegations, fewer than two items, or too few replies for its cases).
    """
    rng = random.Random(seed)
    tz = ZoneInfo(str(meeting["timezone"]))
    items = _read_items(meeting, tz)
    people = _read_people(meeting)
    members = _by_delegation(people, "member")
    observers = _by_delegation(people, "observer")
    _check_feasible(items, members, replies)

    drafts = _allocate(rng, items, replies, members, observers, people)
    taken = _schedule(rng, drafts)
    drafts.sort(key=lambda d: d.at)
    for ref, draft in enumerate(drafts):
        draft.ref = ref

    # Each awkward case lands on its own reply, and nothing edited or deleted carries one, so the
    # exported record still shows every case at the end of the demo.
    pool = [d for d in drafts if d.role in ("member", "observer")]
    specials = _place_specials(rng, pool)
    plain = [d for d in pool if d.ref not in specials]
    edited = rng.sample(plain, _EDITS - 1)
    twice = edited[0]
    rest = [d for d in plain if d not in edited]
    deleted = rng.sample(rest, _DELETES)
    rest = [d for d in rest if d not in deleted]
    redelivered = rng.sample(rest, len(_REDELIVERIES))

    wrong_thread = deleted[:_WRONG_THREAD_DELETES]
    for draft in wrong_thread:
        other = rng.choice([i.number for i in items if i.number != draft.item.number])
        draft.text = f"Apologies, this was meant for item {other}; please disregard."
    secretariat_ids = [p.user for p in people if p.role == "secretariat" and "@" not in p.user]
    _write_texts(rng, drafts, specials, secretariat_ids, tz)

    # Edits come first because a typo fix also puts the typo into the reply as posted.
    edits = [e for d in edited for e in _edits_for(rng, d, twice=d is twice)]
    timed: list[Step] = [_freeze(d) for d in drafts]
    timed.extend(edits)
    for draft in deleted:
        delay = (
            timedelta(minutes=rng.randint(1, 30))
            if draft in wrong_thread
            else timedelta(minutes=rng.randint(60, 2 * 24 * 60))
        )
        timed.append(Delete(ref=draft.ref, at=draft.at + delay))
    timed.extend(_strangers(rng, items, people, taken))
    # The drafting group uses no randomness, so the rest of the script is as it always was.
    timed.extend(_drafting_group(items, members, people, tz))
    timed.extend(_revision(rng, items[0], [d for d in pool if d not in deleted], tz, taken))
    objector = next(p.user for p in people if p.role == "member" and "@" not in p.user)
    timed.extend(_decisions(rng, items, tz, objector))
    timed.sort(key=_at)

    modes = {d.ref: mode for d, mode in zip(redelivered, _REDELIVERIES, strict=True)}
    return _insert_redeliveries(rng, timed, modes)


def summary_counts(script: Sequence[Step]) -> dict[str, int]:
    """Count the steps by type (keys: reply, edit, delete, redeliver, stranger, decide, silence,
    object, revise, concern, group, grouppost).

    Every key is present, even at zero, so the demo's printout always has the same lines.
    """
    names = (
        "reply",
        "edit",
        "delete",
        "redeliver",
        "stranger",
        "decide",
        "silence",
        "object",
        "revise",
        "concern",
        "group",
        "grouppost",
    )
    counts = {name: 0 for name in names}
    for step in script:
        counts[type(step).__name__.lower()] += 1
    return counts


# --- reading the meeting ---------------------------------------------------------------------


def _to_utc(value: object, tz: tzinfo) -> datetime:
    """Times without an offset are the meeting's local time, as the meeting file contract says.

    PyYAML turns ``2020-07-03T09:00:00`` into a naive datetime but leaves ``2020-07-03T09:00`` as a
    string, so both forms are accepted.
    """
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str):
        moment = datetime.fromisoformat(value)
    else:
        raise ValueError(f"expected a date and time, got {value!r}")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=tz)
    return moment.astimezone(UTC)


def _main_text(value: Any) -> str:
    """A meeting-file text: a string, or a map per language whose first entry is the main one."""
    if isinstance(value, Mapping):
        return str(next(iter(value.values()), ""))
    return str(value)


def _read_items(meeting: Mapping[str, Any], tz: tzinfo) -> list[_Item]:
    items = [
        _Item(
            number=int(raw["number"]),
            title=_main_text(raw["title"]),
            docs=tuple(str(doc["code"]) for doc in raw.get("documents") or ()),
            opens=_to_utc(raw["opens"], tz),
            deadline=_to_utc(raw["deadline"], tz),
        )
        for raw in meeting.get("agenda") or ()
    ]
    for item in items:
        if item.deadline <= item.opens:
            raise ValueError(f"item {item.number}: the deadline must come after the opening")
    return sorted(items, key=lambda i: i.number)


def _read_people(meeting: Mapping[str, Any]) -> list[_Person]:
    people = [_Person(str(u), "chair", "Chair", 1) for u in meeting.get("chair") or ()]
    people += [
        _Person(str(u), "secretariat", "Secretariat", 1) for u in meeting.get("secretariat") or ()
    ]
    for delegation in meeting.get("delegations") or ():
        role: _Role = "observer" if delegation.get("kind") == "observer" else "member"
        for position, user in enumerate(delegation.get("delegates") or ()):
            people.append(
                _Person(str(user), role, str(delegation["name"]), 3 if position == 0 else 1)
            )
    return people


def _by_delegation(people: Sequence[_Person], role: _Role) -> dict[str, list[_Person]]:
    groups: dict[str, list[_Person]] = {}
    for person in people:
        if person.role == role:
            groups.setdefault(person.delegation, []).append(person)
    return groups


def _check_feasible(items: Sequence[_Item], members: Mapping[str, Any], replies: int) -> None:
    if len(items) < _MIN_ITEMS_PER_MEMBER:
        raise ValueError("the demo needs at least two agenda items")
    if not members:
        raise ValueError("the demo needs at least one member delegation")
    needed = _MIN_ITEMS_PER_MEMBER * len(members) + len(_SPECIALS) + _EDITS + _DELETES
    needed += len(_REDELIVERIES) + round(replies * (_OBSERVER_SHARE + _STAFF_SHARE))
    if replies < needed:
        raise ValueError(f"replies={replies} is too few for this meeting; use at least {needed}")


# --- who writes what, and when ---------------------------------------------------------------


def _apportion(total: int, weights: Sequence[float]) -> list[int]:
    """Split ``total`` in proportion to ``weights`` by largest remainder, so the sum is exact."""
    scale = total / sum(weights)
    shares = [w * scale for w in weights]
    counts = [int(s) for s in shares]
    by_remainder = sorted(range(len(shares)), key=lambda i: counts[i] - shares[i])
    for i in by_remainder[: total - sum(counts)]:
        counts[i] += 1
    return counts


def _allocate(
    rng: random.Random,
    items: Sequence[_Item],
    replies: int,
    members: Mapping[str, list[_Person]],
    observers: Mapping[str, list[_Person]],
    people: Sequence[_Person],
) -> list[_Draft]:
    """Give every reply an item and an author.

    Items get replies in proportion to how long they are open, doubled for the busy topics.
    Every member delegation is first given two distinct items, so each takes part; a few "quiet"
    delegations stop there, which leaves them silent on most items as real ones are.
    """
    weights = [
        (i.deadline - i.opens).total_seconds() * (_HOT_WEIGHT if i.hot else 1.0) for i in items
    ]
    drafts = [
        _Draft(item=item, role="member")
        for item, count in zip(items, _apportion(replies, weights), strict=True)
        for _ in range(count)
    ]
    chair = [p for p in people if p.role == "chair"]
    secretariat = [p for p in people if p.role == "secretariat"]
    n_staff = round(replies * _STAFF_SHARE) if chair or secretariat else 0
    n_observer = round(replies * _OBSERVER_SHARE) if observers else 0
    order = list(range(len(drafts)))
    rng.shuffle(order)
    for position, index in enumerate(order[: n_staff + n_observer]):
        if position < n_staff:
            # a quarter from the chair, the rest from the secretariat (whichever exists)
            use_chair = bool(chair) and (not secretariat or position % 4 == 0)
            drafts[index].role = "chair" if use_chair else "secretariat"
            drafts[index].person = rng.choice(chair if use_chair else secretariat)
        else:
            drafts[index].role = "observer"

    members_slots = [d for d in drafts if d.role == "member"]
    _assign_delegations(rng, members_slots, members, minimum=_MIN_ITEMS_PER_MEMBER)
    _assign_delegations(rng, [d for d in drafts if d.role == "observer"], observers, minimum=1)
    return drafts


def _assign_delegations(
    rng: random.Random,
    slots: list[_Draft],
    delegations: Mapping[str, list[_Person]],
    *,
    minimum: int,
) -> None:
    """Fill ``slots`` with speakers, each delegation speaking on at least ``minimum`` items."""
    if not slots:
        return
    free: dict[int, list[_Draft]] = {}
    for slot in slots:
        free.setdefault(slot.item.number, []).append(slot)
    names = sorted(delegations)
    quiet = set(rng.sample(names, _QUIET_MEMBERS)) if minimum >= 2 and len(names) > 8 else set()
    shuffled = names[:]
    rng.shuffle(shuffled)
    for name in shuffled:
        open_items = sorted(n for n, left in free.items() if left)
        chosen: list[int] = []
        for _ in range(min(minimum, len(open_items))):
            candidates = [n for n in open_items if n not in chosen]
            chosen.append(rng.choices(candidates, [len(free[n]) for n in candidates])[0])
        for number in chosen:
            slot = free[number].pop(rng.randrange(len(free[number])))
            slot.person = _pick_speaker(rng, delegations[name])
    talkers = [n for n in names if n not in quiet] or names
    talker_weights = [len(delegations[n]) + 1 for n in talkers]
    for left in free.values():
        for slot in left:
            name = rng.choices(talkers, talker_weights)[0]
            slot.person = _pick_speaker(rng, delegations[name])


def _pick_speaker(rng: random.Random, delegates: Sequence[_Person]) -> _Person:
    return rng.choices(delegates, [p.weight for p in delegates])[0]


def _schedule(rng: random.Random, drafts: Sequence[_Draft]) -> set[int]:
    """Time each reply: most are written late in the item's window, as people do; a few miss it.

    Times are whole seconds and unique, because a reply's time becomes its Slack ts and two
    messages in one channel never share a ts. Returns the seconds taken, for later messages.
    """
    eligible = [d for d in drafts if d.role in ("member", "observer")]
    late = {id(d) for d in rng.sample(eligible, round(len(drafts) * _LATE_SHARE))}
    taken: set[int] = set()
    for draft in drafts:
        item = draft.item
        if id(draft) in late:
            start = int(item.deadline.timestamp()) + 60
            offset = rng.randint(0, int(_LATE_WINDOW.total_seconds()) - 120)
        else:
            start = int(item.opens.timestamp()) + 600
            span = int((item.deadline - item.opens).total_seconds()) - 1200
            offset = int(span * rng.betavariate(1.6, 1.1))
        draft.at = _unique_time(start + offset, taken)
    return taken


def _unique_time(seconds: int, taken: set[int]) -> datetime:
    while seconds in taken:
        seconds += 1
    taken.add(seconds)
    return datetime.fromtimestamp(seconds, tz=UTC)


def _place_specials(rng: random.Random, pool: Sequence[_Draft]) -> dict[int, _Special]:
    """Put each awkward-text comment on a fitting reply: the right speaker and topic if possible."""
    placed: dict[int, _Special] = {}
    for special in _SPECIALS:
        free = [d for d in pool if d.ref not in placed]
        for by_speaker, by_topic in ((True, True), (True, False), (False, True), (False, False)):
            candidates = [d for d in free if _fits(d, special, by_speaker, by_topic)]
            if candidates:
                placed[rng.choice(candidates).ref] = special
                break
    return placed


def _fits(draft: _Draft, special: _Special, by_speaker: bool, by_topic: bool) -> bool:
    assert draft.person is not None
    if by_speaker and special.delegations and draft.person.delegation not in special.delegations:
        return False
    return not (by_topic and special.topic and special.topic not in draft.item.title.lower())


# --- what they write ---------------------------------------------------------------------------


def _write_texts(
    rng: random.Random,
    drafts: Sequence[_Draft],
    specials: Mapping[int, _Special],
    secretariat_ids: Sequence[str],
    tz: tzinfo,
) -> None:
    """Write every reply in time order, so a reply can refer to what was said before it."""
    spoken: dict[int, list[str]] = {}  # item -> delegations that have commented, in order
    questions: dict[int, list[_Draft]] = {}  # item -> unanswered questions
    sec = secretariat_ids[0] if secretariat_ids else "U0SEC0001"
    for draft in drafts:
        assert draft.person is not None
        if draft.text:  # written already (a reply posted in the wrong thread)
            continue
        number = draft.item.number
        earlier = [n for n in spoken.get(number, []) if n != draft.person.delegation]
        values = _values(rng, draft, earlier, sec, tz)
        if draft.ref in specials:
            draft.text = specials[draft.ref].template.format(**values)
        elif draft.role == "secretariat":
            draft.text = _secretariat_text(rng, draft, questions.get(number, []), values)
        elif draft.role == "chair":
            draft.text = rng.choice(_CHAIR_NOTES).format(**values)
        else:
            category = rng.choices(list(_TEMPLATES), _CATEGORY_WEIGHTS[draft.role])[0]
            draft.text = rng.choice(_TEMPLATES[category]).format(**values)
            draft.kind = _KIND_OF_CATEGORY[category]
            if category == "question":
                questions.setdefault(number, []).append(draft)
        if draft.role in ("member", "observer"):
            spoken.setdefault(number, []).append(draft.person.delegation)


def _values(
    rng: random.Random, draft: _Draft, earlier: Sequence[str], sec: str, tz: tzinfo
) -> dict[str, str]:
    assert draft.person is not None
    item = draft.item
    p = rng.randint(3, 28)
    lines = next(
        (lines for words, lines in _TOPIC_LINES if any(w in item.title.lower() for w in words)),
        _GENERIC_LINES,
    )
    city = str(tz).rsplit("/", 1)[-1].replace("_", " ")
    local = item.deadline.astimezone(tz)
    return {
        "Subj": _with_article(draft.person.delegation, start=True),
        "other": _with_article(rng.choice(earlier), start=False) if earlier else "other Members",
        "n": str(item.number),
        "doc": item.doc,
        "doc_lower": item.doc.lower(),
        "p": str(p),
        "p0": str(p - 1),
        "p2": str(p + rng.randint(1, 4)),
        "sec": sec,
        "line": rng.choice(lines),
        "deadline": f"{_WEEKDAYS[local.weekday()]} {local.day} {_MONTHS[local.month - 1]}, "
        f"{local:%H:%M} {city} time",
    }


def _secretariat_text(
    rng: random.Random, draft: _Draft, open_questions: list[_Draft], values: Mapping[str, str]
) -> str:
    """The secretariat answers the oldest open question in the thread, or posts a note."""
    if not open_questions:
        return rng.choice(_SECRETARIAT_NOTES).format(**values)
    asked = open_questions.pop(0)
    assert asked.person is not None
    # e-mail delegates have no user id to mention until the demo looks them up
    to = (
        f"<@{asked.person.user}>"
        if "@" not in asked.person.user
        else _with_article(asked.person.delegation, start=False)
    )
    return f"Thank you {to} for the question. " + rng.choice(_SECRETARIAT_ANSWERS).format(**values)


def _with_article(name: str, *, start: bool) -> str:
    if not name.startswith(_NEEDS_ARTICLE):
        return name
    return ("The " if start else "the ") + name


def _freeze(draft: _Draft) -> Reply:
    assert draft.person is not None
    return Reply(
        ref=draft.ref,
        item=draft.item.number,
        user=draft.person.user,
        text=draft.text,
        at=draft.at,
        kind=draft.kind,
    )


def _edits_for(rng: random.Random, draft: _Draft, *, twice: bool) -> list[Edit]:
    """Edits a delegate would make: fix a typo, correct a reference, or add a line.

    For a typo fix the posted reply gets the typo, so the edit restores the intended text.
    """
    first_at = draft.at + timedelta(minutes=rng.randint(2, 600))
    kind = "typo" if twice else rng.choice(("typo", "reference", "addendum"))
    text = draft.text
    if kind == "typo":
        for right, wrong in _TYPOS:
            pattern = re.compile(rf"\b{right}\b")
            if pattern.search(text):
                draft.text = pattern.sub(wrong, text, count=1)
                break
        else:
            kind = "addendum"
    if kind == "reference":
        match = re.search(r"paragraph (\d+)", text)
        if match:
            fixed = f"paragraph {int(match.group(1)) + 1}"
            text = text[: match.start()] + fixed + text[match.end() :]
        else:
            kind = "addendum"
    if kind == "addendum":
        text = f"{text}\n\n{rng.choice(_ADDENDA)}"
    edits = [Edit(ref=draft.ref, text=text, at=first_at)]
    if twice:
        later = first_at + timedelta(minutes=rng.randint(30, 24 * 60))
        edits.append(Edit(ref=draft.ref, text=f"{text}\n\n{rng.choice(_ADDENDA)}", at=later))
    return edits


def _strangers(
    rng: random.Random, items: Sequence[_Item], people: Sequence[_Person], used: set[int]
) -> list[Stranger]:
    """People in the channel but not on the roster; ids are chosen to clash with nobody listed."""
    roster = {p.user for p in people}
    steps: list[Stranger] = []
    serial = 0
    for template in _STRANGERS:
        serial += 1
        while f"U0GUEST{serial:02d}" in roster:
            serial += 1
        item = rng.choice(items)
        span = int((item.deadline - item.opens).total_seconds())
        at = _unique_time(int(item.opens.timestamp()) + rng.randint(3600, span - 3600), used)
        text = template.format(doc=item.doc)
        steps.append(Stranger(item=item.number, user=f"U0GUEST{serial:02d}", text=text, at=at))
    return steps


def _at(step: Step) -> datetime:
    if isinstance(step, Redeliver):
        raise TypeError("a redelivery has no time of its own")
    return step.at


# --- the drafting mini-group ------------------------------------------------------------------

_GROUP_WORDS = ("rules of procedure", "mini-group", "drafting")


def _drafting_group(
    items: Sequence[_Item],
    members: Mapping[str, Sequence[_Person]],
    people: Sequence[_Person],
    tz: tzinfo,
) -> list[Group | GroupPost]:
    """As in the 2020 session: an ad hoc mini-group drafts new rules of procedure.

    It is set up on the item about it (else the last item) four days after the item opens, by
    the second secretariat member, with the heads of the first four member delegations; they
    write in its channel over the following week, well before the item's deadline.
    """
    item = next((i for i in items if any(w in i.title.lower() for w in _GROUP_WORDS)), items[-1])
    heads = [delegates[0] for delegates in list(members.values())[:4]]
    secretariat = [p for p in people if p.role == "secretariat"]
    if len(heads) < 2 or not secretariat:
        return []
    convener = secretariat[min(1, len(secretariat) - 1)].user
    start = item.opens.astimezone(tz).date() + timedelta(days=4)
    day = _next_weekday(start)

    def at(days: int, hour: int, minute: int) -> datetime:
        on = _next_weekday(day + timedelta(days=days))
        return datetime(on.year, on.month, on.day, hour, minute, tzinfo=tz).astimezone(UTC)

    a, b = heads[0], heads[1]
    c, d = heads[2 % len(heads)], heads[3 % len(heads)]
    rule = "Rule 14bis"
    steps: list[Group | GroupPost] = [
        Group(
            item=item.number,
            name="Rules of Procedure drafting group",
            members=tuple(h.user for h in heads),
            purpose="Draft new PTC Rules of Procedure for sessions held in special "
            "circumstances, such as a pandemic, for the next session.",
            by=convener,
            at=at(0, 10, 0),
        ),
        GroupPost(
            0,
            a.user,
            f"Thank you. As a starting point, {a.delegation} suggests building on the current "
            "Rule 14 and adding a written procedure for special circumstances.",
            -1,
            at(0, 11, 5),
        ),
        GroupPost(
            1,
            b.user,
            f"Draft {rule}: _In special circumstances, such as a pandemic, the Chairperson may, "
            "in consultation with the Secretariat, decide that a session be held in writing or "
            "by videoconference._",
            None,
            at(1, 9, 40),
        ),
        GroupPost(
            2,
            c.user,
            f"{c.delegation} supports the draft and suggests that Members be consulted at least "
            "30 days before such a decision.",
            1,
            at(1, 14, 20),
        ),
        GroupPost(
            3,
            d.user,
            f"Could {rule} also cover decisions by silence procedure &amp; their deadlines "
            "(at least 72 hours)?",
            1,
            at(2, 10, 15),
        ),
        GroupPost(
            4,
            convener,
            "The Secretariat will consolidate these suggestions into a revised draft for the "
            "group by the end of the week.",
            1,
            at(2, 16, 0),
        ),
        GroupPost(
            5,
            a.user,
            f"We can agree to the revised {rule} as consolidated, with the 30-day consultation "
            "and the 72-hour minimum for silence procedures.",
            None,
            at(4, 11, 30),
        ),
    ]
    return steps


# --- the revised document and its final concerns ------------------------------------------------

_CONCERNS = (
    "Final concern on {code}: paragraph 4 of the revised text drops the reference to the "
    "regional offices; we ask for it to be restored.",
    "We can accept {code}, but note that the revised annex still cites the 2019 figures.",
)


def _revision(
    rng: random.Random,
    item: _Item,
    survivors: Sequence[_Draft],
    tz: tzinfo,
    taken: set[int],
) -> list[Revise | Concern]:
    """Three days after the item's deadline (after every late reply) the secretariat publishes
    the revised document with five days for final concerns, and two member delegations that
    commented raise one each; the chair decides only after the window closes (see _decisions,
    ten days after the last deadline)."""
    day = _next_weekday(item.deadline.astimezone(tz).date() + timedelta(days=3))
    at = datetime(day.year, day.month, day.day, 10, 0, tzinfo=tz).astimezone(UTC)
    end = day + timedelta(days=4)
    until = datetime(end.year, end.month, end.day, 17, 0, tzinfo=tz).astimezone(UTC)
    base = item.docs[0] if item.docs else f"ITEM{item.number}"
    code = f"{base}/Rev.1"
    steps: list[Revise | Concern] = [
        Revise(
            item=item.number,
            code=code,
            title=f"{item.title} (revised)",
            url=f"https://example.org/{base}-rev1.pdf",
            note="The drafting suggestions made in the thread are reflected; see paragraphs 4-7.",
            until=until,
            at=at,
        )
    ]
    speakers: dict[str, _Person] = {}
    for draft in sorted(survivors, key=lambda d: d.at):
        person = draft.person
        if draft.item is item and draft.role == "member" and person is not None:
            speakers.setdefault(person.delegation, person)
    chosen = rng.sample(sorted(speakers), min(len(_CONCERNS), len(speakers)))
    for n, (delegation, template) in enumerate(zip(chosen, _CONCERNS, strict=False)):
        seconds = int((at + timedelta(days=n + 1, hours=rng.randint(0, 5))).timestamp())
        steps.append(
            Concern(
                item=item.number,
                user=speakers[delegation].user,
                text=template.format(code=code),
                at=_unique_time(seconds, taken),
            )
        )
    return steps


# --- decisions ---------------------------------------------------------------------------------


def _decisions(
    rng: random.Random, items: Sequence[_Item], tz: tzinfo, objector: str
) -> list[Decide | Silence | Object]:
    """The chair decides a week and a half after the last deadline, when all comments are in.

    Late replies arrive up to two days after a deadline and edits a day after that, so starting
    on the first weekday ten days after the last deadline keeps every decision after them.
    """
    last = max(i.deadline for i in items).astimezone(tz).date()
    day = _next_weekday(last + timedelta(days=10))
    slot = 0

    def when(offset_days: int = 0) -> datetime:
        nonlocal slot
        on = _next_weekday(day + timedelta(days=slot // len(_DECISION_HOURS) + offset_days))
        hour = _DECISION_HOURS[slot % len(_DECISION_HOURS)]
        slot += 1
        local = datetime(on.year, on.month, on.day, hour, rng.randint(0, 40), tzinfo=tz)
        return local.astimezone(UTC)

    steps: list[Decide | Silence | Object] = []
    customs = 0
    corrected: _Item | None = None
    for item, plan in zip(items, _DECISION_PLAN, strict=False):
        n, doc = item.number, item.doc
        if plan == "as_proposed":
            steps.append(Decide(item=n, kind="approve", text=None, at=when()))
        elif plan == "custom":
            at = when()
            by = _long_date(at.astimezone(tz).date() + timedelta(weeks=4))
            text = (
                f"The PTC approved the proposal in {doc}, as amended by the drafting suggestions "
                f"made in the thread, and asked the Secretariat to circulate a revised version "
                f"by {by}."
                if customs % 2 == 0
                else f"The PTC approved the proposal under item {n}, noting the scrutiny "
                f"reservations entered by some delegations, which may be lifted in writing by "
                f"{by}."
            )
            steps.append(Decide(item=n, kind="approve", text=text, at=at))
            customs += 1
        elif plan == "corrected":
            # The first wording names only the first document: the later correction supersedes it.
            text = f"The PTC approved the proposals in {doc}."
            steps.append(Decide(item=n, kind="approve", text=text, at=when()))
            corrected = item
        elif plan in ("silence", "silence_broken"):
            # Four days' silence (the minimum is three); the broken one is objected to on the
            # second day and then decided by the chair with wording that meets the objection.
            at = when()
            steps.append(Silence(item=n, until=at + timedelta(days=4), text=None, at=at))
            if plan == "silence_broken":
                reason = (
                    f"Our administration cannot join consensus on {doc} before its national "
                    "consultation ends; we ask for the text to be discussed at the next session."
                )
                steps.append(
                    Object(item=n, user=objector, reason=reason, at=at + timedelta(days=1))
                )
                text = (
                    f"The PTC approved the proposal under item {n}, noting the reservation "
                    f"entered during the silence procedure, to be revisited at its next session."
                )
                steps.append(Decide(item=n, kind="approve", text=text, at=at + timedelta(days=2)))
        elif plan == "defer":
            at = when()
            by = _long_date(at.astimezone(tz).date() + timedelta(weeks=6))
            text = (
                f"The PTC agreed to defer item {n} to its next session, so that Members can "
                f"complete internal consultations; further contributions are invited by {by}."
            )
            steps.append(Decide(item=n, kind="defer", text=text, at=at))
        elif plan == "note":
            text = (
                f"The PTC took note of {doc} and thanked all contributors; the comments made in "
                f"the thread will be reflected in the summary record."
            )
            steps.append(Decide(item=n, kind="note", text=text, at=when()))
    if corrected is not None:
        first = next(s for s in steps if isinstance(s, Decide) and s.item == corrected.number)
        documents = _join(corrected.docs) if corrected.docs else corrected.doc
        text = (
            f"Correction to the decision of {_long_date(first.at.astimezone(tz).date())}: the PTC "
            f"approved the proposals in {documents}, as amended by the drafting suggestions made "
            f"in the thread."
        )
        at = when(offset_days=5)
        steps.append(Decide(item=corrected.number, kind="approve", text=text, at=at))
    return steps


def _next_weekday(day: date) -> date:
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def _long_date(day: date) -> str:
    return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"


def _join(words: Sequence[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def _insert_redeliveries(
    rng: random.Random,
    timed: Sequence[Step],
    modes: Mapping[int, Literal["retry", "new_event_id"]],
) -> list[Step]:
    """Slack retries straight away; a duplicate under a new event id can trail a few messages."""
    script: list[Step] = []
    waiting: list[tuple[int, Redeliver]] = []
    for step in timed:
        script.append(step)
        still: list[tuple[int, Redeliver]] = []
        for left, redelivery in waiting:
            if left <= 0:
                script.append(redelivery)
            else:
                still.append((left - 1, redelivery))
        waiting = still
        if isinstance(step, Reply) and step.ref in modes:
            mode = modes[step.ref]
            if mode == "retry":
                script.append(Redeliver(ref=step.ref, mode=mode))
            else:
                waiting.append((rng.randint(0, 2), Redeliver(ref=step.ref, mode=mode)))
    script.extend(redelivery for _, redelivery in waiting)
    return script
