"""The App Home's Block Kit, from `bot.domain.home` values alone (no database, no Slack)."""

from dataclasses import replace
from datetime import UTC, datetime

from bot.domain.home import (
    ChairSection,
    DelegateSection,
    Figures,
    Home,
    ItemLine,
    MeetingHome,
    SecretariatSection,
    SilenceLine,
)
from bot.views.home import MAX_BLOCKS, fit, home_view

NOW = datetime(2020, 7, 17, 12, 0, tzinfo=UTC)
DEADLINE = datetime(2020, 7, 20, 12, 0, tzinfo=UTC)


MEETING = MeetingHome(
    meeting_id=7, key="ptc", title="PTC", channel="C0MEET", timezone="UTC", closed=False
)


def texts(view: dict) -> str:
    parts = []
    for block in view["blocks"]:
        if "text" in block:
            parts.append(block["text"]["text"])
        for element in block.get("elements", []):
            if "text" in element and isinstance(element["text"], str):
                parts.append(element["text"])
    return "\n".join(parts)


def shown(section: MeetingHome) -> str:
    return texts(home_view(Home("U0", NOW, [section])))


def test_someone_on_no_roster_is_told_how_to_take_part() -> None:
    view = home_view(Home(user_id="U0X", now=NOW))
    assert view["type"] == "home" and view["callback_id"] == "docket_home"
    assert "You are not on the roster of any meeting." in texts(view)


def test_a_delegate_sees_how_many_open_items_their_delegation_has_commented_on() -> None:
    items = [
        ItemLine(1, "One", DEADLINE, None, commented=True),
        ItemLine(2, "Two & more", DEADLINE, "https://x/t", commented=False),
    ]
    delegate = DelegateSection("Austria", "member", open_items=items, silences=[])
    text = texts(home_view(Home("U0AU", NOW, [replace(MEETING, delegate=delegate)])))
    assert "you are delegate of Austria (member)" in text
    assert "*Open for comments* (2): Austria has commented on 1 of 2" in text
    assert "*Item 2: Two &amp; more*" in text and "<https://x/t|open the thread>" in text


def test_a_member_delegate_is_shown_how_to_object_to_a_running_silence_procedure() -> None:
    silence = SilenceLine(3, "Three", "running", DEADLINE, "Adopt it.", None)
    member = DelegateSection("Austria", "member", open_items=[], silences=[silence])
    observer = DelegateSection("UPU", "observer", open_items=[], silences=[silence])
    assert "(`/object 3 reason`)" in shown(replace(MEETING, delegate=member))
    assert "/object" not in shown(replace(MEETING, delegate=observer))


def test_the_chair_sees_items_awaiting_a_decision_and_broken_silence() -> None:
    awaiting = [ItemLine(4, "Four", DEADLINE, None, comments_open=False, silence="broken")]
    chair = ChairSection(awaiting=awaiting, silences=[])
    text = texts(home_view(Home("U0CH", NOW, [replace(MEETING, chair=chair)])))
    assert "*Awaiting your decision* (1)" in text
    assert "comments closed" in text and ":no_entry: silence broken" in text


def test_the_secretariat_gets_the_figures_and_its_digest_and_record_buttons() -> None:
    figures = Figures(
        registered=9,
        took_part=4,
        comments=5,
        by_kind={"member": 3, "observer": 1, "chair": 1, "secretariat": 0},
        withdrawn=1,
        late=2,
        member_delegations=5,
        observer_delegations=2,
        members_taking_part=2,
        observers_taking_part=1,
    )
    section = replace(MEETING, secretariat=SecretariatSection(figures))
    view = home_view(Home("U0SEC", NOW, [section]))
    assert "*Comments:* 5 (members 3, observers 1, chair 1, secretariat 0)" in texts(view)
    [actions] = [b for b in view["blocks"] if b["type"] == "actions"]
    assert actions["block_id"] == "home_secretariat_7"
    assert [(e["action_id"], e["value"]) for e in actions["elements"]] == [
        ("home_digest", "7"),
        ("home_record", "7"),
    ]


def test_too_many_blocks_are_shared_fairly_with_a_note_where_clipped() -> None:
    small = [{"type": "divider"}] * 5
    large = [{"type": "divider"}] * 200
    blocks = fit([small, large], MAX_BLOCKS)
    assert len(blocks) == MAX_BLOCKS
    assert blocks[:5] == small and blocks[-1]["type"] == "context"
