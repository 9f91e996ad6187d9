"""`/group`'s text read into a request: actions, names, members, and typed errors."""

import pytest

from bot.parse.group import GroupRequest, parse_group


def test_an_empty_command_or_a_number_alone_asks_for_the_form() -> None:
    assert parse_group("   ") == GroupRequest("form")
    assert parse_group("7") == GroupRequest("form", item_number=7)


def test_help_and_list_are_words_of_their_own() -> None:
    assert parse_group("HELP").action == "help" and parse_group("?").action == "help"
    assert parse_group("list") == GroupRequest("list")


def test_a_quoted_name_on_an_item_leaves_the_topic_empty() -> None:
    request = parse_group('3 "Rules  of procedure" <@U0AU00001|alice> <@U0CI00001> Draft it')
    assert request == GroupRequest(
        "create",
        name="Rules of procedure",
        item_number=3,
        members=("U0AU00001", "U0CI00001"),
        purpose="Draft it",
    )


def test_without_a_number_the_name_is_the_topic_and_members_are_named_once() -> None:
    request = parse_group("«Customs» <@U0AU00001> <@U0AU00001|a> : for the summer")
    assert (request.name, request.topic, request.members, request.purpose) == (
        "Customs",
        "Customs",
        ("U0AU00001",),
        "for the summer",
    )


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ('3 "Rules" <!subteam^S0DRAFTERS|@drafters>', "user_group"),
        ("3 <@U0AU00001|alice>", "no_name"),
        ('3 "Rules of procedure"', "no_members"),
        ('3 "Rules" @alice @kofi', "unreadable_members"),
    ],
)
def test_what_cannot_be_read_is_a_typed_error_with_the_usage(text: str, error: str) -> None:
    request = parse_group(text)
    assert request.action == "help" and request.error == error
