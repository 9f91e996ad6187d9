"""Every message builder within Slack's limits, and nothing lost: long content is split across
sections and messages, never cut inside markup, and a shortened form says where the rest is.

Checked against slack_sdk's own Block Kit models (`Block.parse(...).validate_json()`,
`View(...).validate_json()`) plus the limits those models do not check, counted here
independently of bot/views/fit.py.
"""

import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from bot.domain.classify import ClassifyTarget
from bot.domain.digest import Digest, DigestItem, NewComment, NewDecision
from bot.domain.home import (
    ChairSection,
    DelegateSection,
    Home,
    ItemLine,
    MeetingHome,
    SilenceLine,
)
from bot.domain.items import ItemState
from bot.views.classify import classify_modal
from bot.views.decisions import decision_announcement
from bot.views.digest import digest_message
from bot.views.fit import (
    SlackMessage,
    block_id,
    escape,
    quote,
    shorten,
    split_mrkdwn,
)
from bot.views.forms import decision_form
from bot.views.home import home_view
from bot.views.messages import item_details, item_message, reminder_message
from bot.views.silence import (
    adoption_notice,
    objection_notice,
    silence_notice,
    silence_thread_notice,
)
from models import AgendaItem, Decision, Document, Meeting, SilenceProcedure

MESSAGE_TEXT = 40_000
MESSAGE_BLOCKS = 50
VIEW_BLOCKS = 100
BLOCK_TEXT = 12_000
SECTION = 3_000
HEADER = 150
MODAL_TITLE = 24
METADATA = 3_000

NOW = datetime(2020, 7, 10, 10, 0, tzinfo=UTC)
DEADLINE = datetime(2020, 7, 17, 15, 0, tzinfo=UTC)
MEETING = Meeting(
    id=1, key="k", title="PTC & friends", channel="C0TEST0001", timezone="Europe/Brussels"
)
UNESCAPED_AMP = re.compile(r"&(?!amp;|lt;|gt;)")


# -- the limits, checked independently ------------------------------------------------------------


def _texts(value: Any) -> list[str]:
    found: list[str] = []
    if isinstance(value, dict):
        for key, inner in value.items():
            if key == "text" and isinstance(inner, str):
                found.append(inner)
            else:
                found += _texts(inner)
    elif isinstance(value, list):
        for inner in value:
            found += _texts(inner)
    return found


def check_markup(text: str) -> None:
    """No link, mention, date token or escape cut in half."""
    without = re.sub(r"<[^<>]*>", "", text)  # a link's address may hold a bare &
    assert not UNESCAPED_AMP.search(without), f"an escape cut in half: {text[-80:]!r}"
    assert "<" not in without, f"a cut link or token: {text[-80:]!r}"
    lines_without_quotes = [line.lstrip(" ").lstrip(">") for line in without.split("\n")]
    assert not any(">" in line for line in lines_without_quotes), f"a cut token: {text[:80]!r}"


def check_blocks(blocks: list[dict[str, Any]]) -> None:
    ids = [b["block_id"] for b in blocks if "block_id" in b]
    assert len(ids) == len(set(ids)), "duplicate block_id"
    for block in blocks:
        Block.parse(block).validate_json()  # type: ignore[union-attr]
        if block["type"] == "section" and "text" in block:
            assert 1 <= len(block["text"]["text"]) <= SECTION
            assert block["text"]["text"].strip()
            if block["text"]["type"] == "mrkdwn":
                check_markup(block["text"]["text"])
        if block["type"] == "header":
            assert len(block["text"]["text"]) <= HEADER
        if block["type"] == "context":
            for element in block["elements"]:
                assert len(element.get("text", "")) <= SECTION
                if element.get("type") == "mrkdwn":
                    check_markup(element["text"])


def check_message(message: SlackMessage) -> None:
    """One message as chat.postMessage / chat.update take it."""
    assert message.text.strip() and len(message.text) <= MESSAGE_TEXT
    assert 1 <= len(message.blocks) <= MESSAGE_BLOCKS
    assert sum(len(t) for t in _texts(message.blocks)) <= BLOCK_TEXT
    check_blocks(message.blocks)


def check_all(message: SlackMessage) -> list[SlackMessage]:
    parts = message.parts()
    for part in parts:
        check_message(part)
    return parts


def check_view(view: dict[str, Any]) -> None:
    View(**view).validate_json()
    assert 1 <= len(view["blocks"]) <= VIEW_BLOCKS
    for key in ("title", "submit", "close"):
        if key in view:
            assert len(view[key]["text"]) <= MODAL_TITLE
    assert len(view.get("private_metadata", "")) <= METADATA
    check_blocks(view["blocks"])
    for block in view["blocks"]:
        element = block.get("element") or {}
        if element.get("type") == "plain_text_input":
            limit = element.get("max_length", 3000)
            assert limit <= 3000
            assert len(element.get("initial_value", "")) <= limit


def shown(messages: list[SlackMessage]) -> str:
    return "\n".join(t for m in messages for t in _texts(m.blocks))


def long_text(words: int, tag: str = "w") -> str:
    """Distinct words, with markup-like characters, in lines of various lengths."""
    out = []
    for n in range(words):
        word = f"{tag}{n:05d}"
        if n % 17 == 0:
            word += " & <b>"
        out.append(word + ("\n" if n % 53 == 52 else " "))
    return "".join(out).strip()


def assert_every_word(text: str, messages: list[SlackMessage]) -> None:
    joined = " ".join(shown(messages).split())
    position = 0
    for word in escape(text).split():
        found = joined.find(word, position)
        assert found >= 0, f"{word!r} lost"
        position = found + len(word)


# -- the helper -----------------------------------------------------------------------------------


def test_long_mrkdwn_splits_at_word_boundaries_without_cutting_links_mentions_dates_or_escapes():
    link = "<https://example.org/a-rather-long/address.pdf|PC0601E1 &amp; annex>"
    mention = "<@U0AU00001>"
    date = "<!date^1594998000^{date_short_pretty} {time}|Fri 17 Jul 2020 17:00 CEST>"
    text = " ".join([f"word{n} {link} {mention} &amp; {date} &lt;x&gt;" for n in range(200)])
    for limit in (90, 100, 137, 500, 3000):
        pieces = split_mrkdwn(text, limit)
        assert all(len(p) <= limit for p in pieces)
        for piece in pieces:
            check_markup(piece)
            assert piece.count("<") == len(re.findall(r"<[^<>]*>", piece))
        assert " ".join(" ".join(pieces).split()) == " ".join(text.split())


def test_a_split_quote_stays_quoted_on_every_line():
    text = quote("first line\n" + "long " * 1000 + "\nlast line")
    pieces = split_mrkdwn(text, 3000)
    assert len(pieces) >= 2
    assert all(line.startswith(">") for piece in pieces for line in piece.split("\n"))


def test_multi_line_quotes_quote_every_line():
    assert quote("one\ntwo\n\nthree") == ">one\n>two\n>\n>three"


def test_a_shortened_text_says_where_the_rest_is_and_keeps_markup_whole():
    text = "see <https://example.org/x|the document> &amp; more " * 50
    short = shorten(text, 100, "full text in the thread")
    assert len(short) <= 100 and short.endswith("… (full text in the thread)")
    check_markup(short)
    assert shorten("short", 100, "anywhere") == "short"


def test_a_changed_block_gets_a_new_block_id():
    block = {"type": "actions", "elements": [{"type": "button", "value": "1"}]}
    changed = {"type": "actions", "elements": [{"type": "button", "value": "2"}]}
    assert block_id("x", block) == block_id("x", dict(block))
    assert block_id("x", block) != block_id("x", changed)


# -- item root messages ---------------------------------------------------------------------------


def item(proposal: str = "The PTC is invited to endorse.", title: str = "Budget") -> AgendaItem:
    return AgendaItem(
        id=9, meeting_id=1, number=3, title=title, proposal=proposal, deadline_at=DEADLINE
    )


def documents(count: int) -> list[Document]:
    return [
        Document(
            item_id=9,
            code=f"PC{n:04d}E1",
            title=f"Annex {n} on tools & methods for the management of disasters",
            url=f"https://example.org/documents/2020/PC{n:04d}E1.pdf",
        )
        for n in range(count)
    ]


def decision(text: str) -> Decision:
    return Decision(item_id=9, kind="approved", text=text, decided_by="U0CHAIR01", decided_at=NOW)


def state(
    the_item: AgendaItem, docs: list[Document], the_decision: Decision | None = None
) -> ItemState:
    return ItemState(MEETING, the_item, docs, the_decision, False, None, [], None)


def test_a_long_proposal_and_25_documents_fit_the_root_message_whole():
    proposal = long_text(500)
    assert len(proposal) > 3500
    the_state = state(item(proposal), documents(25))
    root = item_message(the_state)
    check_message(root)
    assert root.more == () and item_details(the_state) == []
    assert_every_word(proposal, [root])
    for doc in documents(25):
        assert f"<{doc.url}|{doc.code}>" in shown([root])


def test_a_long_decision_fits_the_root_message_and_quotes_every_line():
    text = long_text(450)
    root = item_message(state(item(), documents(2), decision(text)))
    check_message(root)
    assert_every_word(text, [root])
    decided = shown([root]).split(":classical_building:")[1]
    assert all(line.startswith(">") for line in decided.split("\n")[1:] if line)


def test_a_root_too_long_for_one_message_is_shortened_and_the_rest_posted_in_the_thread():
    proposal, text = long_text(4000, "p"), long_text(3000, "d")
    the_state = state(item(proposal, title="T" * 400), documents(300), decision(text))
    root = item_message(the_state)
    check_message(root)
    assert "full text in the thread" in shown([root])
    assert "the full list is in the thread" in shown([root])
    details = item_details(the_state)
    for part in details:
        check_message(part)
    assert_every_word(proposal, details)
    for doc in documents(300):
        assert f"<{doc.url}|{doc.code}>" in shown(details)
    assert "T" * 400 in shown([root])  # the header shortened, the title whole under it


def test_the_root_messages_button_block_id_follows_its_content():
    root = item_message(state(item(), []))
    [actions] = [b for b in root.blocks if b["type"] == "actions"]
    assert actions["block_id"].startswith("item_actions_")


# -- decisions, silence, objections ---------------------------------------------------------------


def test_a_long_decision_announcement_is_split_and_loses_no_word():
    for words in (450, 6000):
        text = long_text(words)
        notice = decision_announcement(MEETING, item(), decision(text), None)
        parts = check_all(notice)
        assert_every_word(text, parts)
        assert len(notice.text) <= 1_100
    assert len(decision_announcement(MEETING, item(), decision(long_text(6000)), None).more) >= 1


def procedure(text: str, status: str = "running") -> SilenceProcedure:
    return SilenceProcedure(
        id=4, item_id=9, text=text, started_by="U0CHAIR01", deadline_at=DEADLINE, status=status
    )


def test_long_silence_notices_give_the_whole_text_in_the_thread_and_a_short_one_in_the_channel():
    text = long_text(2000)
    thread = check_all(silence_thread_notice(MEETING, item(), procedure(text)))
    assert_every_word(text, thread)
    channel = silence_notice(MEETING, item(), procedure(text))
    assert channel.more == ()
    check_message(channel)
    assert "full text in the item's thread" in shown([channel])
    adopted = check_all(adoption_notice(MEETING, item(), decision(text)))
    assert_every_word(text, adopted)


def test_a_long_objection_reason_reaches_the_thread_whole_and_quoted():
    reason = long_text(2000)
    parts = check_all(objection_notice(item(), "Côte d'Ivoire", "U0CI00001", reason, True))
    assert_every_word(reason, parts)


# -- reminders and the digest ---------------------------------------------------------------------


def test_a_reminder_covering_30_or_300_items_names_every_item():
    for count in (30, 300):
        items = [
            AgendaItem(
                meeting_id=1,
                number=n,
                title=f"Item title number {n} on customs & trade " * 3,
                deadline_at=DEADLINE,
            )
            for n in range(1, count + 1)
        ]
        parts = check_all(reminder_message(MEETING, items))
        for n in range(1, count + 1):
            assert f"*{n}: Item title number {n} " in shown(parts)


def test_a_large_meetings_digest_goes_on_in_further_messages_each_within_slacks_limits():
    comment = NewComment(
        "Côte d'Ivoire", "U0CI00001", "x & y " * 23, "https://t.slack.com/archives/C/p1", False
    )
    items = [
        DigestItem(
            number=n,
            title=f"Agenda item {n} & its long title " * 4,
            new_comments=[comment] * 7,
            closing_at=DEADLINE,
            silent_members=[f"Delegation {d}" for d in range(40)],
            new_decisions=[NewDecision("approved", "chair", "Approved as proposed " * 6)],
            awaiting_chair=True,
        )
        for n in range(1, 61)
    ]
    digest = Digest("PTC " * 60, "Europe/Brussels", "U0SEC0001", NOW, items, [], 0, [("c", 1)])
    message = digest_message(digest)
    parts = check_all(message)
    assert len(parts) > 1
    for n in range(1, 61):
        assert f"*Item {n}: Agenda item {n} " in shown(parts)
    assert ("PTC " * 60).strip() in shown(parts[:1])  # the long heading whole under its header


# -- views ----------------------------------------------------------------------------------------


def test_the_decision_form_never_prefills_past_its_max_length_and_says_so():
    short = decision_form(MEETING, item("The PTC is invited to endorse."))
    check_view(short)
    assert short["blocks"][2]["element"]["initial_value"] == "The PTC is invited to endorse."
    long = decision_form(MEETING, item(long_text(500), title="T" * 4000))
    check_view(long)
    assert "initial_value" not in long["blocks"][2]["element"]
    assert "more than this field holds" in json.dumps(long["blocks"])


def test_the_classify_modal_fits_with_a_huge_comment_and_title():
    target = ClassifyTarget(
        "C0MEET",
        "1.2",
        item_number=3,
        item_title="Budget " * 1000,
        delegation="Chile",
        text="word " * 5000,
    )
    check_view(classify_modal(target))


def test_a_home_with_many_meetings_and_long_lines_fits_100_blocks():
    lines = [
        ItemLine(n, "Title & more " * 30, DEADLINE, "https://t.slack.com/x", commented=n % 2 == 0)
        for n in range(80)
    ]
    silences = [
        SilenceLine(n, "Silence " * 40, "running", DEADLINE, "Text " * 500, None) for n in range(30)
    ]
    meetings = [
        MeetingHome(
            meeting_id=m,
            key=f"m{m}",
            title="Meeting " * 30,
            channel="C0MEET",
            timezone="UTC",
            closed=False,
            delegate=DelegateSection("Chile", "member", lines, silences),
            chair=ChairSection(lines, silences),
        )
        for m in range(5)
    ]
    check_view(home_view(Home("U0", NOW, meetings)))


def test_every_message_of_an_ordinary_item_still_fits_one_message():
    for the_state in (
        state(item(), documents(2)),
        state(item(), documents(2), decision("Endorsed.")),
        ItemState(MEETING, item(), [], None, True, None, [], NOW + timedelta(days=3)),
    ):
        check_message(item_message(the_state))
        assert item_details(the_state) == []
