"""Reading `/approve`, `/extend` and `/object` into requests, with typed errors (no database)."""

from bot.parse.approve import (
    ApproveRequest,
    ExtendRequest,
    ObjectRequest,
    parse_approve,
    parse_extend,
    parse_object,
)


def test_approve_alone_lists_and_help_words_ask_for_usage() -> None:
    assert parse_approve("  ") == ApproveRequest("list")
    for word in ("help", "?", "-h", "--HELP"):
        assert parse_approve(word) == ApproveRequest("help")


def test_approve_with_a_number_alone_opens_the_form() -> None:
    assert parse_approve("3") == ApproveRequest("form", number=3)
    assert parse_approve("#3") == ApproveRequest("form", number=3)


def test_approve_with_text_decides_with_that_wording() -> None:
    assert parse_approve("3 The PTC endorsed\nthe proposals.") == ApproveRequest(
        "decide", number=3, kind="approved", text="The PTC endorsed\nthe proposals."
    )


def test_note_and_defer_choose_the_kind_and_may_go_without_text() -> None:
    assert parse_approve("4 note") == ApproveRequest("decide", number=4, kind="noted")
    assert parse_approve("4 DEFER to the next session") == ApproveRequest(
        "decide", number=4, kind="deferred", text="to the next session"
    )


def test_silence_reads_the_deadline_with_a_space_and_the_text_after_it() -> None:
    assert parse_approve("5 silence 2020-08-14 17:00 The PTC adopts.") == ApproveRequest(
        "silence", number=5, until="2020-08-14 17:00", text="The PTC adopts."
    )
    assert parse_approve("5 silence 2020-08-14T17:00+02:00") == ApproveRequest(
        "silence", number=5, until="2020-08-14T17:00+02:00"
    )


def test_silence_end_cancel_and_stop_end_a_procedure() -> None:
    for word in ("end", "cancel", "Stop"):
        assert parse_approve(f"5 silence {word}") == ApproveRequest("silence_end", number=5)


def test_a_word_that_is_no_number_is_a_typed_error_naming_it() -> None:
    assert parse_approve("three approve") == ApproveRequest(
        "error", error="not_a_number", word="three"
    )


def test_silence_without_a_deadline_is_a_typed_error_keeping_no_number() -> None:
    # A refused user's audit entry says "asked: error" with no number, as it always has.
    assert parse_approve("5 silence") == ApproveRequest(
        "error", error="no_silence_deadline", word="5"
    )


def test_extend_reads_the_item_and_the_deadline() -> None:
    assert parse_extend("") == ExtendRequest("help")
    assert parse_extend("Help") == ExtendRequest("help")
    assert parse_extend("3 2020-07-24 17:00") == ExtendRequest(
        "extend", number=3, moment="2020-07-24 17:00"
    )


def test_extend_errors_name_the_offending_word() -> None:
    assert parse_extend("x 2020-07-24T17:00") == ExtendRequest(
        "error", error="not_a_number", word="x"
    )
    assert parse_extend("3") == ExtendRequest("error", number=3, error="no_deadline")
    assert parse_extend("3 2020-07-24T17:00 please") == ExtendRequest(
        "error", number=3, moment="2020-07-24T17:00", error="extra_text", word="please"
    )


def test_object_needs_a_number_and_a_reason() -> None:
    assert parse_object(" ") == ObjectRequest("help")
    assert parse_object("#3 We cannot accept it.") == ObjectRequest(
        "object", number=3, reason="We cannot accept it."
    )
    assert parse_object("three no") == ObjectRequest("error", error="not_a_number", word="three")
    assert parse_object("3") == ObjectRequest("error", number=3, error="no_reason")
