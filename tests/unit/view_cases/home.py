"""Samples of the App Home, the agenda and decision form, the secretariat's digest and the
failure notices (bot/views/home.py, forms.py, digest.py, failures.py), for
tests/unit/test_views_in_languages.py.

A reader of a submitted form (`read_*`) says nothing itself: its sample reads back the form it
reads.  The command line's sentences (`invite_text`, `membership_text`, ...) stay English, the
operators' tool: each sample pairs one with what the secretariat reads about the same problem in
Slack, which is in their language.
"""

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from bot.domain.digest import Digest, DigestItem, NewComment, NewDecision, NewRevision
from bot.domain.home import (
    ChairSection,
    ConcernLine,
    DelegateSection,
    Figures,
    GroupLine,
    Home,
    ItemLine,
    MeetingHome,
    SecretariatSection,
    SilenceLine,
)
from bot.domain.permissions import Permission, Refusal
from bot.domain.session_end import CloseRequest
from bot.domain.summary import DecisionEntry, ItemEntry, SummaryFigures, SummaryRecord
from bot.views import digest, failures, forms, home
from models import AgendaItem, Decision, Meeting

NOW = datetime(2020, 7, 17, 12, 0, tzinfo=UTC)
LATER = NOW + timedelta(days=3)
ZONE = "Europe/Brussels"
LINK = "https://example.slack.com/archives/C0MEET/p1594980000000100"

# -- the Home -------------------------------------------------------------------------------------

OPEN = ItemLine(3, "Rules of procedure", LATER, LINK, commented=True)
WAITING = ItemLine(4, "E-commerce package", LATER, None, commented=False)
SILENCE = SilenceLine(4, "E-commerce package", "running", LATER, "The PTC approved it.", LINK)
BROKEN = SilenceLine(5, "Strategic foresight", "broken", LATER, "The PTC noted it.", None)
CONCERN = ConcernLine(
    3, "Rules of procedure", "PC0101E1b", "https://example.org/b.pdf", LATER, LINK
)
DELEGATE = DelegateSection(
    "Côte d'Ivoire", "member", [OPEN, WAITING], [SILENCE], concerns=[CONCERN]
)
CHAIR = ChairSection(
    awaiting=[
        ItemLine(3, "Rules of procedure", NOW, LINK, comments_open=False),
        ItemLine(4, "E-commerce package", LATER, None, silence="running", silence_until=LATER),
        ItemLine(5, "Strategic foresight", None, None, silence="broken"),
    ],
    silences=[SILENCE, BROKEN],
)
FIGURES = Figures(
    registered=40,
    took_part=12,
    comments=20,
    by_kind={"member": 15, "observer": 3, "chair": 1, "secretariat": 1},
    withdrawn=2,
    late=1,
    member_delegations=30,
    observer_delegations=7,
    members_taking_part=9,
    observers_taking_part=2,
)
GROUPS = [
    GroupLine("Annex drafting", "C0GROUP01", 3, ""),
    GroupLine("Foresight", "C0GROUP02", None, "Scenarios"),
]
MEETING_HOME = MeetingHome(
    meeting_id=7,
    key="ptc",
    title="PTC 2020",
    channel="C0MEET",
    timezone=ZONE,
    closed=False,
    delegate=DELEGATE,
    chair=CHAIR,
    secretariat=SecretariatSection(FIGURES),
    groups=GROUPS,
    viewer_name="Kofi Mensah",
)
CLOSED_HOME = MeetingHome(
    meeting_id=8,
    key="old",
    title="PTC 2019",
    channel="C0OLD",
    timezone=ZONE,
    closed=True,
    delegate=DelegateSection("France", "observer", [], []),
)
QUIET_HOME = MeetingHome(
    meeting_id=9,
    key="quiet",
    title="PTC 2021",
    channel="C0NEW",
    timezone=ZONE,
    closed=False,
    delegate=DelegateSection("Senegal", "member", [], []),
    chair=ChairSection(awaiting=[], silences=[]),
)


def _long_list() -> MeetingHome:
    items = [ItemLine(n, f"Item title {n}", LATER, LINK) for n in range(1, 60)]
    return MeetingHome(
        meeting_id=10,
        key="big",
        title="PTC big",
        channel="C0BIG",
        timezone=ZONE,
        closed=False,
        delegate=DelegateSection("Morocco", "member", items, []),
    )


def _crowded_fit() -> object:
    groups = [home.meeting_blocks(MEETING_HOME, Home("U0", NOW)) for _ in range(40)]
    return home.fit(groups, home.MAX_BLOCKS)


# -- the agenda and the decision form -------------------------------------------------------------

MEETING = Meeting(
    id=1,
    key="ptc",
    title="PTC 2020",
    channel="C0MEET",
    timezone=ZONE,
    languages="en,fr",
    translations=json.dumps({"fr": {"title": "CTP 2020"}}),
)


def _item(number: int, **fields: object) -> AgendaItem:
    values: dict[str, object] = {
        "id": number,
        "meeting_id": 1,
        "number": number,
        "title": f"Item title {number}",
        "proposal": "The PTC approves the rules.",
        "translations": json.dumps({"fr": {"title": f"Titre du point {number}"}}),
    }
    values.update(fields)
    return AgendaItem(**values)  # type: ignore[arg-type]


ITEMS = [
    _item(1, post_ts="1.1", post_channel="C0MEET", deadline_at=NOW - timedelta(days=1)),
    _item(2, post_ts="2.2", post_channel="C0MEET", deadline_at=LATER),
    _item(3, opens_at=LATER),
    _item(4),
    _item(5, post_ts="5.5", post_channel="C0MEET", deadline_at=LATER),
]
DECISIONS = {5: Decision(item_id=5, kind="approved", text="Approved.", decided_by="U0CHAIR")}
LONG = _item(6, proposal="The PTC " + "approves the text " * 400)


def _decision_form_read_back() -> object:
    view = forms.decision_form(MEETING, ITEMS[1])
    values = {
        forms.OUTCOME_BLOCK: {
            forms.OUTCOME_ACTION: {"selected_option": {"value": "noted"}},
        },
        forms.TEXT_BLOCK: {forms.TEXT_ACTION: {"value": "The PTC took note."}},
    }
    return view, repr(forms.read_decision_form({**view, "state": {"values": values}}))


# -- the digest and the session's end -------------------------------------------------------------


def _comment(delegation: str, **fields: object) -> NewComment:
    values: dict[str, object] = {
        "delegation": delegation,
        "user": "U0CI00001",
        "excerpt": "We support the proposal.",
        "permalink": LINK,
        "late": False,
    }
    values.update(fields)
    return NewComment(**values)  # type: ignore[arg-type]


BUSY_ITEM = DigestItem(
    number=3,
    title="Rules of procedure",
    new_comments=[
        _comment("Côte d'Ivoire", kind="support", author="Kofi Mensah"),
        _comment("France", late=True, final_concern=True),
        *[_comment(f"Delegation {n}") for n in range(6)],
    ],
    closing_at=LATER,
    silent_members=[f"Member {n}" for n in range(20)],
    new_decisions=[NewDecision("approved", "chair", "The PTC approved the rules.")],
    silence="running",
    silence_until=LATER,
    awaiting_chair=True,
    new_revisions=[NewRevision("PC0101E1b", "https://example.org/b.pdf", LATER)],
)
REVISED_ITEM = DigestItem(
    number=4,
    title="E-commerce package",
    new_revisions=[NewRevision("PC0102E1a", "https://example.org/a.pdf", None)],
    silence="broken",
)
CONCERNS_ITEM = DigestItem(number=5, title="Strategic foresight", concerns_until=LATER)


def _digest(items: list[DigestItem], reported: list[tuple[str, int]]) -> Digest:
    return Digest(
        meeting_title="PTC 2020",
        timezone=ZONE,
        recipient="U0SEC0001",
        now=NOW,
        items=items,
        strays=[(3, f"U0STRAY{n:02}", "A reply from someone new.") for n in range(12)],
        new_objections=1,
        reported=reported,
        groups=[("Annex drafting", 4)],
    )


BUSY = _digest([BUSY_ITEM, REVISED_ITEM, CONCERNS_ITEM], reported=[("comment", 1)])
QUIET = _digest([DigestItem(3, "Rules", closing_at=LATER), CONCERNS_ITEM], reported=[])


def _summary() -> SummaryRecord:
    decision = DecisionEntry(
        item=1,
        kind="noted",
        text="The PTC took note.",
        procedure="silence",
        decided_by="U0CHAIR",
        decided_at=NOW,
        superseded=False,
    )
    items = [
        ItemEntry(1, "One", "", [], None, None, decision, [decision], [], {}, 0),
        ItemEntry(2, "Two", "", [], None, None, None, [], [], {}, 0),
    ]
    kinds = {"member": 3, "observer": 1, "chair": 0, "secretariat": 0}
    figures = SummaryFigures(
        registered=9,
        took_part=4,
        member_delegations=5,
        observer_delegations=2,
        members_taking_part=["Austria", "Chile"],
        observers_taking_part=["UPU"],
        comments=4,
        withdrawn=1,
        edited=1,
        late=1,
        kept_aside=0,
        by_kind=kinds,
        by_item={1: kinds},
        by_week={1: kinds},
    )
    return SummaryRecord(
        key="ptc",
        title="PTC 2020",
        channel="C0MEET",
        timezone=ZONE,
        chair=[],
        secretariat=[],
        first_opening=None,
        last_deadline=None,
        closed_at=None,
        generated_at=NOW,
        figures=figures,
        items=items,
        roster=[],
    )


REFUSAL = Refusal(Permission.MANAGE, "close", "PTC 2020", "member")


# -- failure notices ------------------------------------------------------------------------------


def _notice(kind: str, error: str, *, item: int | None = 3, to: str | None = None) -> object:
    return failures.failure_notice(
        meeting_title="PTC 2020",
        channel="C0MEET",
        kind=kind,
        item_number=item,
        recipient=to,
        error=error,
    )


def _remedy(error: str) -> str:
    return failures.remedy(error, channel="C0MEET", recipient=None, retry=None)


CASES: dict[str, Callable[[], object]] = {
    # the Home
    "home.home_view": lambda: home.home_view(Home("U0CI00001", NOW, [MEETING_HOME, CLOSED_HOME])),
    "home.home_view/no role": lambda: home.home_view(Home("U0NOBODY1", NOW)),
    "home.home_view/nothing open": lambda: home.home_view(Home("U0SN00001", NOW, [QUIET_HOME])),
    "home.home_view/long list": lambda: home.home_view(Home("U0MA00001", NOW, [_long_list()])),
    "home.no_role_blocks": home.no_role_blocks,
    "home.meeting_blocks": lambda: home.meeting_blocks(MEETING_HOME, Home("U0", NOW)),
    "home.meeting_blocks/closed": lambda: home.meeting_blocks(CLOSED_HOME, Home("U0", NOW)),
    "home.delegate_blocks": lambda: home.delegate_blocks(DELEGATE, MEETING_HOME),
    "home.delegate_blocks/closed": lambda: home.delegate_blocks(
        DelegateSection("France", "observer", [], []), CLOSED_HOME
    ),
    "home.chair_blocks": lambda: home.chair_blocks(CHAIR, MEETING_HOME),
    "home.chair_blocks/none awaiting": lambda: home.chair_blocks(
        ChairSection(awaiting=[], silences=[]), MEETING_HOME
    ),
    "home.secretariat_blocks": lambda: home.secretariat_blocks(FIGURES, MEETING_HOME),
    "home.fit": _crowded_fit,
    # the agenda and the decision form
    "forms.decision_form": lambda: forms.decision_form(MEETING, ITEMS[1]),
    "forms.decision_form/long proposal": lambda: forms.decision_form(MEETING, LONG),
    "forms.long_proposal_note": lambda: forms.long_proposal_note(LONG),
    "forms.read_decision_form": _decision_form_read_back,
    "forms.agenda_blocks": lambda: forms.agenda_blocks(
        MEETING, ITEMS, DECISIONS, now_ts=NOW.timestamp(), can_post=True
    ),
    "forms.agenda_blocks/many": lambda: forms.agenda_blocks(
        MEETING, [_item(n) for n in range(1, 50)], {}, now_ts=NOW.timestamp(), can_post=False
    ),
    "forms.announcement": lambda: forms.announcement(ITEMS[1], LINK, closed=False),
    "forms.announcement/closed": lambda: forms.announcement(ITEMS[0], None, closed=True),
    "forms.agenda_text": lambda: forms.agenda_text(MEETING),
    "forms.post_result_note": lambda: forms.post_result_note(4, "posted", "ts 1594980000.000100"),
    "forms.post_result_note/failed": lambda: forms.post_result_note(4, "failed", "not_in_channel"),
    "forms.posted_again_note": lambda: forms.posted_again_note(4),
    # the digest and the session's end
    "digest.digest_message": lambda: digest.digest_message(BUSY),
    "digest.digest_message/quiet": lambda: digest.digest_message(QUIET),
    "digest.digest_message/final": lambda: digest.digest_message(
        BUSY, heading=digest.final_digest_heading("PTC 2020")
    ),
    "digest.digest_item_lines": lambda: digest.digest_item_lines(BUSY_ITEM, ZONE),
    "digest.digest_item_lines/revised": lambda: digest.digest_item_lines(REVISED_ITEM, ZONE),
    "digest.digest_item_lines/concerns": lambda: digest.digest_item_lines(CONCERNS_ITEM, ZONE),
    "digest.decision_line": lambda: digest.decision_line(
        NewDecision("noted", "silence", "The PTC took note.")
    ),
    "digest.silence_state": lambda: digest.silence_state(BUSY_ITEM, ZONE),
    "digest.silence_state/broken": lambda: digest.silence_state(REVISED_ITEM, ZONE),
    "digest.final_digest_heading": lambda: digest.final_digest_heading("PTC 2020"),
    "digest.figures_lines": lambda: digest.figures_lines(_summary()),
    "digest.figures_message": lambda: digest.figures_message(_summary()),
    "digest.closing_message": lambda: digest.closing_message(_summary()),
    "digest.record_upload_comment": lambda: digest.record_upload_comment("PTC 2020"),
    "digest.summary_upload_comment": lambda: digest.summary_upload_comment("PTC 2020"),
    "digest.record_file_title": lambda: digest.record_file_title("PTC 2020", "html"),
    "digest.record_file_title/xlsx": lambda: digest.record_file_title("PTC 2020", "xlsx"),
    "digest.task_reply": lambda: digest.task_reply("digest"),
    "digest.task_reply/record": lambda: digest.task_reply("record"),
    "digest.close_reply": lambda: digest.close_reply(CloseRequest("closed", "PTC 2020")),
    "digest.close_reply/already": lambda: digest.close_reply(
        CloseRequest("already_closed", "PTC 2020")
    ),
    "digest.close_reply/refused": lambda: digest.close_reply(
        CloseRequest("refused", "PTC 2020", REFUSAL)
    ),
    # failure notices
    "failures.failure_notice": lambda: _notice("post", "not_in_channel"),
    "failures.failure_notice/nudge": lambda: _notice("nudge", "user_not_found", to="U0CI00001"),
    "failures.failure_notice/digest": lambda: _notice(
        "digest", "missing_scope (needed: chat:write)", item=None, to="U0SEC0001"
    ),
    "failures.failure_notice/unknown kind": lambda: _notice("mystery", "is_archived", item=None),
    "failures.remedy": lambda: _remedy("channel_not_found"),
    "failures.remedy/token": lambda: _remedy("invalid_auth"),
    "failures.remedy/content": lambda: _remedy("invalid_blocks"),
    "failures.remedy/other": lambda: _remedy("ratelimited"),
    "failures.remedy/no scope named": lambda: _remedy("missing_scope"),
    "failures.remedy/no recipient": lambda: _remedy("user_not_found"),
    "failures.invite_text": lambda: (_remedy("not_in_channel"), failures.invite_text("ptc")),
    "failures.not_a_member_text": lambda: (
        _remedy("not_in_channel"),
        failures.not_a_member_text("ptc"),
    ),
    "failures.membership_text": lambda: (
        _remedy("channel_not_found"),
        failures.membership_text(member=False, name="ptc", error="channel_not_found"),
        failures.membership_text(member=None, name="ptc", error="ratelimited"),
        failures.membership_text(member=False, name="ptc", error=""),
    ),
}
