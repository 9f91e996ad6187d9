"""The "Classify comment" modal and its answers, from `bot.domain.classify` values alone."""

import json

from bot.domain.classify import ClassifyOutcome, ClassifyTarget
from bot.domain.permissions import Permission, Refusal
from bot.views.classify import (
    CLASSIFY_FORM,
    EXCERPT,
    INVALID_KIND,
    KIND_BLOCK,
    NOT_A_COMMENT,
    WITHDRAWN_NOTE,
    classify_error,
    classify_modal,
    read_modal_comment,
    read_modal_kind,
    target_refusal_text,
)

TARGET = ClassifyTarget(
    "C0MEET",
    "1594987200.000100",
    in_meeting_channel=True,
    meeting_title="PTC",
    item_number=3,
    item_title="Budget",
    delegation="Australia",
    author="U0AU00001",
    text="We support the proposal.",
    kind="support",
)
REFUSAL = Refusal(Permission.CLASSIFY_ANY, "classify_comment", "PTC", "member", ("U0CHAIR01",))


def kind_input(view: dict) -> dict:
    [block] = [b for b in view["blocks"] if b.get("block_id") == KIND_BLOCK]
    return block["element"]


def test_modal_offers_the_four_kinds_with_the_current_one_chosen():
    view = classify_modal(TARGET)
    element = kind_input(view)
    assert view["callback_id"] == CLASSIFY_FORM == "classify_comment"
    assert [o["value"] for o in element["options"]] == [
        "general",
        "drafting",
        "support",
        "reservation",
    ]
    assert [o["text"]["text"] for o in element["options"]] == [
        "General comment",
        "Drafting suggestion",
        "Support",
        "Reservation",
    ]
    assert element["initial_option"]["value"] == "support"


def test_modal_of_an_unclassified_comment_chooses_nothing():
    element = kind_input(classify_modal(ClassifyTarget("C0MEET", "1.2", kind=None)))
    assert "initial_option" not in element


def test_modal_shows_item_author_and_clipped_text_and_names_the_comment():
    long = ClassifyTarget(
        "C0MEET",
        "1.2",
        item_number=3,
        item_title="Budget",
        delegation="Chile",
        text="x" * (EXCERPT + 50),
    )
    view = classify_modal(long)
    assert view["blocks"][0]["elements"][0]["text"] == "Item 3: Budget"
    shown = view["blocks"][1]["text"]["text"]
    assert shown.startswith("Chile: ") and shown.endswith("… (the whole comment is in the thread)")
    assert len(shown) == len("Chile: ") + EXCERPT
    assert json.loads(view["private_metadata"]) == {"channel": "C0MEET", "ts": "1.2"}


def test_modal_marks_a_withdrawn_comment():
    view = classify_modal(ClassifyTarget("C0MEET", "1.2", withdrawn=True))
    assert any(
        e.get("text") == WITHDRAWN_NOTE for b in view["blocks"] for e in b.get("elements", [])
    )
    assert not any(
        e.get("text") == WITHDRAWN_NOTE
        for b in classify_modal(TARGET)["blocks"]
        for e in b.get("elements", [])
    )


def test_refusal_text_names_no_comment_or_who_may_classify():
    assert target_refusal_text(ClassifyTarget("C0", "1.2", "not_a_comment")) == NOT_A_COMMENT
    refused = ClassifyTarget("C0", "1.2", "refused", REFUSAL, in_meeting_channel=True)
    assert target_refusal_text(refused) == (
        "Only the author of this comment or the secretariat of PTC can classify it."
    )


def test_submission_errors_keep_the_modal_open_only_when_nothing_was_saved():
    assert classify_error(ClassifyOutcome("missing")) == NOT_A_COMMENT
    assert classify_error(ClassifyOutcome("invalid")) == INVALID_KIND
    assert classify_error(ClassifyOutcome("refused", refusal=REFUSAL)) == (
        "Only the author of this comment or the secretariat of PTC can classify it."
    )
    assert classify_error(ClassifyOutcome("classified", kind="drafting")) is None
    assert classify_error(ClassifyOutcome("unchanged", kind="drafting")) is None


def test_invalid_kind_lists_the_labels():
    assert INVALID_KIND == (
        "Choose one of: General comment, Drafting suggestion, Support, Reservation."
    )


def test_read_modal_comment_accepts_only_a_channel_and_ts():
    assert read_modal_comment(json.dumps({"channel": "C0", "ts": "1.2"})) == ("C0", "1.2")
    for bad in ("", "not json", "[]", json.dumps({"channel": "C0"}), json.dumps({"ts": 1})):
        assert read_modal_comment(bad) is None


def test_read_modal_kind_reads_the_chosen_value_unchecked():
    values = {KIND_BLOCK: {KIND_BLOCK: {"selected_option": {"value": "bogus"}}}}
    assert read_modal_kind(values) == "bogus"
    assert read_modal_kind({}) is None
    assert read_modal_kind({KIND_BLOCK: {KIND_BLOCK: {"selected_option": None}}}) is None
