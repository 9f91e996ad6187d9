"""The meeting file: YAML in, a validated MeetingSpec out, or every problem at once.

Each bad file is small.yaml with one defect, so an error must name the file, the line, the key
and what was expected, and nothing else may be reported for it.
"""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.parse.meeting_file import MeetingFileError, MeetingSpec, parse_meeting, read_meeting_file
from tests.conftest import DATA

NAME = "meetings/ptc.yaml"
SMALL = (DATA / "small.yaml").read_text(encoding="utf-8")
EMAILS = {"jane.doe@customs.example": "U0AUJANE1"}

CONTRACT_EXAMPLE = """\
key: ptc-2020                      # unique; loading again updates this meeting
title: Permanent Technical Committee, document-based session
channel: C0PTC2020                 # channel ID where agenda items are posted
timezone: Europe/Brussels          # times below without an offset are in this zone
chair: [U0CHAIR01]
secretariat: [U0SEC0001, U0SEC0002]
delegations:
  - name: Australia
    kind: member                   # member | observer
    delegates: [U0AU00001, jane.doe@customs.example]   # Slack user IDs or e-mails
agenda:
  - number: 3
    title: "COVID-19: the WCO's role in the disaster management cycle"
    proposal: The PTC is invited to endorse the proposals.
    documents:
      - {code: PC0601E1, title: Disaster management, url: https://example.org/PC0601E1.pdf}
    opens: 2020-05-15T09:00
    deadline: 2020-05-29T17:00
"""


def lookup(email: str) -> str | None:
    return EMAILS.get(email)


def parse(text: str) -> MeetingSpec:
    return parse_meeting(text, name=NAME, lookup_email=lookup)


def variant(old: str, new: str, text: str = SMALL) -> str:
    """`text` with its first `old` replaced; fails loudly if the anchor is not there."""
    assert old in text, f"anchor {old!r} not in the base file"
    return text.replace(old, new, 1)


def line_of(text: str, needle: str) -> int:
    """The 1-based number of the first line of `text` containing `needle`."""
    for number, line in enumerate(text.splitlines(), start=1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} not in the text")


def errors_of(text: str) -> list[str]:
    with pytest.raises(MeetingFileError) as caught:
        parse(text)
    assert caught.value.path == NAME
    assert caught.value.errors, "a MeetingFileError must list its problems"
    return caught.value.errors


def the_error(text: str) -> str:
    """The single error a file with one defect gives."""
    errors = errors_of(text)
    assert len(errors) == 1, errors
    return errors[0]


def assert_names(error: str, *, key: str, line: int, expected: str) -> None:
    assert error.startswith(f"{NAME}: line {line}: {key}: "), error
    assert expected in error, error


def utc(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


# -- good files -------------------------------------------------------------------------------


def test_contract_example_loads_with_local_times_converted_from_the_meeting_zone():
    spec = parse(CONTRACT_EXAMPLE)
    assert (spec.key, spec.channel, spec.timezone) == ("ptc-2020", "C0PTC2020", "Europe/Brussels")
    assert [p.user_id for p in spec.chair] == ["U0CHAIR01"]
    assert [p.user_id for p in spec.secretariat] == ["U0SEC0001", "U0SEC0002"]
    [australia] = spec.delegations
    assert (australia.name, australia.kind) == ("Australia", "member")
    assert [(p.user_id, p.email) for p in australia.delegates] == [
        ("U0AU00001", None),
        ("U0AUJANE1", "jane.doe@customs.example"),
    ]
    [item] = spec.agenda
    assert item.number == 3 and isinstance(item.number, int)
    assert item.title == "COVID-19: the WCO's role in the disaster management cycle"
    assert item.proposal == "The PTC is invited to endorse the proposals."
    [document] = item.documents
    assert (document.code, document.title, document.url) == (
        "PC0601E1",
        "Disaster management",
        "https://example.org/PC0601E1.pdf",
    )
    # Brussels is UTC+2 in May: 09:00 there is 07:00 UTC.
    assert item.opens_at == utc(2020, 5, 15, 7, 0)
    assert item.deadline_at == utc(2020, 5, 29, 15, 0)
    assert item.opens_at is not None and item.opens_at.utcoffset() is not None
    assert spec.warnings == ()


@pytest.mark.parametrize(
    ("written", "instant"),
    [
        ("2020-05-15T09:00+00:00", utc(2020, 5, 15, 9, 0)),
        ("2020-05-15T09:00-04:00", utc(2020, 5, 15, 13, 0)),
        ("2020-05-15T09:00+05:30", utc(2020, 5, 15, 3, 30)),
        ("2020-05-15 09:00:00Z", utc(2020, 5, 15, 9, 0)),  # a YAML timestamp, read by PyYAML
        ("2020-05-15T09:00:00", utc(2020, 5, 15, 7, 0)),  # YAML timestamp without an offset
        ("2020-01-15T09:00", utc(2020, 1, 15, 8, 0)),  # Brussels winter time, UTC+1
    ],
)
def test_opening_time_keeps_its_offset_or_takes_the_meeting_zone(written: str, instant: datetime):
    spec = parse(variant("opens: 2020-05-15T09:00", f"opens: {written}", CONTRACT_EXAMPLE))
    assert spec.agenda[0].opens_at == instant


def test_item_without_opening_time_has_none():
    spec = parse(variant("    opens: 2020-05-15T09:00\n", "", CONTRACT_EXAMPLE))
    assert spec.agenda[0].opens_at is None


def test_small_file_loads_every_delegation_and_item():
    spec = read_meeting_file(DATA / "small.yaml", lookup)
    assert [d.name for d in spec.delegations] == [
        "Australia",
        "Côte d'Ivoire",
        "Universal Postal Union",
    ]
    assert [i.number for i in spec.agenda] == [3, 4, 5]
    assert [d.code for d in spec.agenda[0].documents] == ["PC0601E1", "PC0602E1"]
    assert spec.agenda[2].opens_at == utc(2030, 1, 1, 8, 0)


# -- one defect, one precise error ------------------------------------------------------------


def test_unknown_delegation_kind_is_an_error():
    text = variant("kind: observer", "kind: guest")
    assert_names(
        the_error(text),
        key="delegations[2].kind",
        line=line_of(text, "kind: guest"),
        expected="unknown delegation kind 'guest'; expected member or observer",
    )


def test_duplicate_item_number_is_an_error():
    text = variant("  - number: 4", "  - number: 3")
    lines = [n for n, line in enumerate(text.splitlines(), 1) if "- number: 3" in line]
    assert_names(
        the_error(text),
        key="agenda[1].number",
        line=lines[1],
        expected="duplicate item number 3 (also agenda[0].number)",
    )


@pytest.mark.parametrize("deadline", ["2020-07-03T08:00", "2020-07-03T09:00", "2020-07-03T07:00Z"])
def test_deadline_not_after_opening_is_an_error(deadline: str):
    text = variant("deadline: 2020-07-17T17:00", f"deadline: {deadline}")
    assert_names(
        the_error(text),
        key="agenda[0].deadline",
        line=line_of(text, f"deadline: {deadline}"),
        expected="expected a deadline later than opens",
    )


def test_unknown_time_zone_is_an_error_reported_once():
    text = variant("timezone: Europe/Brussels", "timezone: Europe/Brusels")
    # The local times cannot be read without a zone; that is the one problem, not five more.
    assert_names(
        the_error(text),
        key="timezone",
        line=5,
        expected="unknown time zone 'Europe/Brusels'; expected an IANA name",
    )


@pytest.mark.parametrize("user", ["u0au00001", "X0AU00001", "U0AU", "@jane", "U0AU 00001"])
def test_malformed_user_id_is_an_error(user: str):
    text = variant("delegates: [U0CI00001]", f"delegates: ['{user}']")
    assert_names(
        the_error(text),
        key="delegations[1].delegates[0]",
        line=line_of(text, f"delegates: ['{user}']"),
        expected="is not a Slack user id (U or W, then capitals and digits, like U0123ABCD) "
        "nor an e-mail address",
    )


def test_email_that_slack_does_not_know_is_an_error():
    text = variant("jane.doe@customs.example", "nobody@customs.example")
    assert_names(
        the_error(text),
        key="delegations[0].delegates[1]",
        line=line_of(text, "nobody@customs.example"),
        expected="no Slack user has the e-mail nobody@customs.example",
    )


def test_email_without_a_lookup_says_to_set_slack_bot_token():
    with pytest.raises(MeetingFileError) as caught:
        parse_meeting(SMALL, name=NAME)
    errors = caught.value.errors
    assert len(errors) == 1, errors
    assert_names(
        errors[0],
        key="delegations[0].delegates[1]",
        line=line_of(SMALL, "jane.doe@customs.example"),
        expected="set SLACK_BOT_TOKEN",
    )
    assert "jane.doe@customs.example" in errors[0]


def test_user_in_two_delegations_is_an_error():
    text = variant("delegates: [U0CI00001]", "delegates: [U0CI00001, U0AU00001]")
    assert_names(
        the_error(text),
        key="delegations[1].delegates[1]",
        line=line_of(text, "[U0CI00001, U0AU00001]"),
        expected="U0AU00001 is already listed at delegations[0].delegates[0]; one seat per person",
    )


def test_same_person_by_id_and_by_email_is_an_error():
    text = variant("delegates: [U0CI00001]", "delegates: [U0CI00001, U0AUJANE1]")
    error = the_error(text)
    assert_names(
        error,
        key="delegations[1].delegates[1]",
        line=line_of(text, "[U0CI00001, U0AUJANE1]"),
        expected="already listed at delegations[0].delegates[1]",
    )


def test_chair_who_is_also_a_delegate_is_an_error():
    text = variant("delegates: [U0UPU0001]", "delegates: [U0UPU0001, U0CHAIR01]")
    assert_names(
        the_error(text),
        key="delegations[2].delegates[1]",
        line=line_of(text, "[U0UPU0001, U0CHAIR01]"),
        expected="U0CHAIR01 is already listed at chair[0]",
    )


def test_invalid_yaml_names_the_line():
    text = variant("  - number: 4\n", "  - number: 4\n    title: [unclosed\n")
    error = the_error(text)
    assert error.startswith(f"{NAME}: line "), error
    assert "not valid YAML" in error
    reported = int(error.removeprefix(f"{NAME}: line ").split(":", 1)[0])
    # The scanner notices the unclosed list on the line after it, at the latest.
    assert reported in (line_of(text, "[unclosed"), line_of(text, "[unclosed") + 1)


def test_file_that_is_not_a_mapping_is_an_error():
    error = the_error("- just\n- a list\n")
    assert error.startswith(f"{NAME}: line 1: file: expected a mapping"), error


# Each removal leaves the rest valid; the error points at the enclosing mapping's first line.
MISSING = [
    ("key: test-ptc\n", "key", "title: Test", "expected a non-empty text"),
    ("title: Test Committee, written session\n", "title", "key:", "expected a non-empty text"),
    ("channel: C0TEST0001\n", "channel", "key:", "expected a non-empty text"),
    ("timezone: Europe/Brussels\n", "timezone", "key:", "expected a non-empty text"),
    ("chair: [U0CHAIR01]\n", "chair", "key:", "expected a list of Slack user ids or e-mails"),
    (
        "secretariat: [U0SEC0001, U0SEC0002]\n",
        "secretariat",
        "key:",
        "expected a list of Slack user ids or e-mails",
    ),
    ("name: Australia\n    ", "delegations[0].name", "- kind: member", "expected a non-empty text"),
    ("Ivoire\n    kind: member\n", "delegations[1].kind", "- name: Côte", "non-empty text"),
    (
        "title: E-commerce package annexes\n    ",
        "agenda[1].title",
        "- number: 4",
        "expected a non-empty text",
    ),
    (
        "    deadline: 2020-07-31T17:00\n",
        "agenda[1].deadline",
        "- number: 4",
        "expected a date and time",
    ),
    (
        "number: 4\n    ",
        "agenda[1].number",
        "- title: E-commerce",
        "expected a whole number from 1 up, got None",
    ),
    (
        "code: PC0601E1, ",
        "agenda[0].documents[0].code",
        "{title: Disaster",
        "expected a non-empty text",
    ),
]


@pytest.mark.parametrize(
    ("removed", "key", "anchor", "expected"), MISSING, ids=[m[1] for m in MISSING]
)
def test_missing_required_key_is_an_error(removed: str, key: str, anchor: str, expected: str):
    kept = "Ivoire\n" if removed.startswith("Ivoire") else ""
    text = variant(removed, kept)
    error = the_error(text)
    assert_names(error, key=key, line=line_of(text, anchor), expected=expected)
    assert "is missing" in error or "got None" in error


def test_missing_agenda_is_an_error():
    text = SMALL.split("agenda:")[0]
    assert_names(
        the_error(text),
        key="agenda",
        line=line_of(text, "key:"),
        expected="expected a non-empty list of agenda items",
    )


@pytest.mark.parametrize(
    "written",
    ["2020-07-17", "'2020-07-17'", "'20200717'", "'2020-W29-5'"],
    ids=["yaml-date", "quoted-date", "quoted-basic-date", "quoted-week-date"],
)
def test_date_without_time_of_day_is_an_error(written: str):
    # Python's fromisoformat reads every one of these as midnight; a deadline needs its hour.
    text = variant("deadline: 2020-07-17T17:00", f"deadline: {written}")
    assert_names(
        the_error(text),
        key="agenda[0].deadline",
        line=line_of(text, f"deadline: {written}"),
        expected="has no time of day; expected e.g. ",
    )


def test_time_that_is_not_a_date_is_an_error():
    text = variant("deadline: 2020-07-17T17:00", "deadline: next Friday")
    assert_names(
        the_error(text),
        key="agenda[0].deadline",
        line=line_of(text, "deadline: next Friday"),
        expected="'next Friday' is not a date and time; expected e.g. 2020-07-24T17:00 "
        "(meeting time zone) or 2020-07-24T17:00+02:00",
    )


@pytest.mark.parametrize(
    "url", ["ftp://example.org/PC0601E1.pdf", "example.org/PC0601E1.pdf", "javascript:alert(1)"]
)
def test_document_url_that_is_not_http_is_an_error(url: str):
    text = variant('url: "https://example.org/PC0601E1.pdf"', f'url: "{url}"')
    assert_names(
        the_error(text),
        key="agenda[0].documents[0].url",
        line=line_of(text, url),
        expected=f"{url!r}: expected an http(s) link",
    )


@pytest.mark.parametrize("name", ["Australia", "australia", " Australia "])
def test_duplicate_delegation_name_is_an_error(name: str):
    text = variant("- name: Côte d'Ivoire", f"- name: '{name}'")
    assert_names(
        the_error(text),
        key="delegations[1].name",
        line=line_of(text, f"- name: '{name}'"),
        expected="is already used at delegations[0].name",
    )


def test_every_problem_is_reported_at_once():
    text = SMALL
    for old, new in [
        ("kind: observer", "kind: guest"),
        ("  - number: 4", "  - number: 3"),
        ("deadline: 2030-01-31T17:00", "deadline: 2029-12-31T17:00"),
        ("jane.doe@customs.example", "nobody@customs.example"),
        ("delegates: [U0CI00001]", "delegates: [U0CI00001, U0AU00001, not-a-user]"),
        ('url: "https://example.org/PC0602E1.pdf"', 'url: "file:///PC0602E1.pdf"'),
        ("opens: 2020-07-03T09:00", "opens: 2020-07-03"),
    ]:
        text = variant(old, new, text)
    errors = errors_of(text)
    keys = sorted(error.split(": ")[2] for error in errors)
    assert keys == sorted(
        [
            "delegations[2].kind",
            "agenda[1].number",
            "agenda[2].deadline",
            "delegations[0].delegates[1]",
            "delegations[1].delegates[1]",
            "delegations[1].delegates[2]",
            "agenda[0].documents[1].url",
            "agenda[0].opens",
        ]
    ), errors
    assert all(error.startswith(f"{NAME}: line ") for error in errors), errors
    assert str(len(errors)) in str(MeetingFileError(NAME, errors)).splitlines()[0]


def test_unknown_keys_are_warnings_not_errors():
    text = variant("channel: C0TEST0001\n", "channel: C0TEST0001\nvenue: online\n")
    text = variant(
        "    proposal: The PTC is invited to approve",
        "    owner: U0SEC0001\n" + "    proposal: The PTC is invited to approve",
        text,
    )
    spec = parse(text)
    assert spec == parse(SMALL)
    assert len(spec.warnings) == 2, spec.warnings
    venue, owner = spec.warnings
    assert_names(venue, key="venue", line=line_of(text, "venue:"), expected="unknown key ignored")
    assert_names(
        owner, key="agenda[1].owner", line=line_of(text, "owner:"), expected="known: deadline"
    )


def test_read_meeting_file_names_the_file_in_each_error(tmp_path: Path):
    path = tmp_path / "bad.yaml"
    path.write_text(variant("kind: observer", "kind: guest"), encoding="utf-8")
    with pytest.raises(MeetingFileError) as caught:
        read_meeting_file(path, lookup)
    [error] = caught.value.errors
    line = line_of(SMALL, "kind: observer")
    assert error.startswith(f"{path}: line {line}: delegations[2].kind: "), error


def test_missing_file_is_an_error_not_a_crash(tmp_path: Path):
    path = tmp_path / "absent.yaml"
    with pytest.raises(MeetingFileError) as caught:
        read_meeting_file(path, lookup)
    [error] = caught.value.errors
    assert error.startswith(f"{path}: cannot read the file"), error


# -- the digest ---------------------------------------------------------------------------------

# small.yaml written differently: other key order, block lists, quotes, comments, spacing,
# an e-mail in other case, times with seconds.  It means exactly the same meeting.
SMALL_REFORMATTED = """\
# Same meeting, other formatting.
title: "Test Committee, written session"
key: 'test-ptc'
timezone: "Europe/Brussels"
channel: C0TEST0001
secretariat:
  - U0SEC0001
  - U0SEC0002
chair: U0CHAIR01
agenda:
  - deadline: 2020-07-17T17:00:00
    opens: 2020-07-03T09:00+02:00
    number: 3
    title: "COVID-19: the WCO's role in the disaster management cycle"
    proposal: >-
      The PTC is invited
      to endorse the proposals.
    documents:
      - code: PC0601E1
        title: Disaster management
        url: https://example.org/PC0601E1.pdf
      - {url: "https://example.org/PC0602E1.pdf", code: PC0602E1, title: "Gap analysis & tools"}
  - {number: 4, title: E-commerce package annexes,
     proposal: The PTC is invited to approve the three annexes.,
     opens: "2020-07-03T09:00", deadline: "2020-07-31T17:00"}
  - number: 5
    title: "  Strategic foresight  "
    opens: 2030-01-01T09:00
    deadline: 2030-01-31T17:00   # a comment
delegations:
  - kind: member
    name: Australia
    delegates:
      - U0AU00001
      - Jane.Doe@Customs.Example
  - {name: "Côte d'Ivoire", kind: member, delegates: [U0CI00001]}
  - name: Universal Postal Union
    delegates: [U0UPU0001]
    kind: observer
"""


def test_digest_is_the_same_for_the_same_meeting_written_differently():
    original, reformatted = parse(SMALL), parse(SMALL_REFORMATTED)
    assert reformatted == original
    assert reformatted.digest() == original.digest()


def test_digest_is_the_same_when_a_local_time_is_written_in_utc():
    # 09:00 in Brussels in July is 07:00 UTC: the same instant, the same meeting.
    utc_text = variant("opens: 2020-07-03T09:00", "opens: 2020-07-03T07:00Z")
    original, in_utc = parse(SMALL), parse(utc_text)
    assert in_utc.agenda[0].opens_at == original.agenda[0].opens_at
    assert in_utc.digest() == original.digest()


def test_digest_is_a_stable_hex_fingerprint():
    first, second = parse(SMALL).digest(), parse(SMALL).digest()
    assert first == second and len(first) == 64 and int(first, 16) >= 0


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("title: Strategic foresight", "title: Strategic foresight 2030"),
        ("deadline: 2020-07-31T17:00", "deadline: 2020-07-31T18:00"),
        ("opens: 2030-01-01T09:00", "opens: 2030-01-02T09:00"),
        ("delegates: [U0CI00001]", "delegates: [U0CI00001, U0CI00002]"),
        ("delegates: [U0AU00001, jane.doe@customs.example]", "delegates: [U0AU00001]"),
        ("kind: observer", "kind: member"),
        ("https://example.org/PC0601E1.pdf", "https://example.org/PC0601E2.pdf"),
        ("proposal: The PTC is invited to endorse", "proposal: The PTC is asked to endorse"),
        ("channel: C0TEST0001", "channel: C0TEST0002"),
        ("timezone: Europe/Brussels", "timezone: Europe/Paris"),
        ("secretariat: [U0SEC0001, U0SEC0002]", "secretariat: [U0SEC0001]"),
        ("  - number: 5", "  - number: 6"),
    ],
)
def test_digest_changes_when_the_meeting_changes(old: str, new: str):
    assert parse(variant(old, new)).digest() != parse(SMALL).digest()


# -- times the clocks skip or repeat ------------------------------------------------------------


@pytest.mark.parametrize(
    "written",
    ["2021-03-28T02:30", "'2021-03-28 02:30'", "2021-03-28 02:30:00"],
    ids=["string", "quoted-with-space", "yaml-timestamp"],
)
def test_time_the_clocks_skip_is_an_error(written: str):
    # Brussels went from 02:00 to 03:00 on 28 March 2021: 02:30 never happened there.
    text = variant("deadline: 2020-07-31T17:00", f"deadline: {written}")
    assert_names(
        the_error(text),
        key="agenda[1].deadline",
        line=line_of(text, f"deadline: {written}"),
        expected="does not exist in Europe/Brussels (clocks change)",
    )


@pytest.mark.parametrize("written", ["2020-10-25T02:30", "2020-10-25 02:30:00"])
def test_time_the_clocks_repeat_takes_its_first_occurrence(written: str):
    # 02:30 happened twice in Brussels on 25 October 2020; the first was summer time, UTC+2.
    spec = parse(variant("deadline: 2020-07-31T17:00", f"deadline: {written}"))
    assert spec.agenda[1].deadline_at == utc(2020, 10, 25, 0, 30)


@pytest.mark.parametrize(
    ("written", "instant"),
    [
        ("2020-07-31 17:00", utc(2020, 7, 31, 15, 0)),
        ("2020-07-31T17:00:30", utc(2020, 7, 31, 15, 0) + timedelta(seconds=30)),
        ("'2020-07-31T17:00Z'", utc(2020, 7, 31, 17, 0)),
        ("'2020-07-31T17:00 +0200'", utc(2020, 7, 31, 15, 0)),
    ],
)
def test_deadline_spellings_that_are_accepted(written: str, instant: datetime):
    spec = parse(variant("deadline: 2020-07-31T17:00", f"deadline: {written}"))
    assert spec.agenda[1].deadline_at == instant


def test_hour_without_minutes_is_an_error():
    text = variant("deadline: 2020-07-31T17:00", "deadline: 2020-07-31T17")
    assert_names(
        the_error(text),
        key="agenda[1].deadline",
        line=line_of(text, "deadline: 2020-07-31T17"),
        expected="'2020-07-31T17' is not a date and time; expected e.g. 2020-07-24T17:00",
    )


def test_malformed_time_is_reported_even_when_the_time_zone_is_unknown():
    text = variant("timezone: Europe/Brussels", "timezone: Mars/Olympus")
    text = variant("deadline: 2020-07-31T17:00", "deadline: next Friday", text)
    errors = errors_of(text)
    assert [e.split(": ")[2] for e in errors] == ["timezone", "agenda[1].deadline"], errors


# -- the calendar: reminders, nudge, nudge_observers, silence_minimum ---------------------------

DAY, HOUR = 86400, 3600


def with_calendar(lines: str) -> str:
    """small.yaml with calendar keys written just after the channel."""
    return variant("channel: C0TEST0001\n", "channel: C0TEST0001\n" + lines)


def test_calendar_defaults_when_the_file_says_nothing():
    spec = parse(SMALL)
    assert spec.reminders == (7 * DAY, 2 * DAY, DAY)
    assert spec.nudge == 2 * DAY
    assert spec.nudge_observers is False
    assert spec.silence_minimum == 3 * DAY


def test_meeting_spec_built_without_calendar_takes_the_defaults():
    spec = parse(SMALL)
    bare = MeetingSpec(
        spec.key,
        spec.title,
        spec.channel,
        spec.timezone,
        spec.chair,
        spec.secretariat,
        spec.delegations,
        spec.agenda,
    )
    assert bare == spec and bare.digest() == spec.digest()


def test_calendar_keys_are_known_not_warned_about():
    text = with_calendar(
        "reminders: [3d]\nnudge: 24h\nnudge_observers: true\nsilence_minimum: 5d\n"
    )
    spec = parse(text)
    assert spec.warnings == ()
    assert (spec.reminders, spec.nudge, spec.nudge_observers, spec.silence_minimum) == (
        (3 * DAY,),
        DAY,
        True,
        5 * DAY,
    )


@pytest.mark.parametrize(
    ("written", "seconds"),
    [
        ("reminders: [7d, 2d, 24h]\n", (7 * DAY, 2 * DAY, DAY)),
        ("reminders: [24h, 7d]\n", (7 * DAY, DAY)),  # sorted, longest first
        ("reminders: []\n", ()),
        ("reminders: 12h\n", (12 * HOUR,)),  # one string is a one-item list
        ("reminders: [P1W, PT36H, 90m, 1h 30s]\n", (7 * DAY, 36 * HOUR, 90 * 60, HOUR + 30)),
        ("reminders:\n  - 3d\n  - 1D12H\n", (3 * DAY, 36 * HOUR)),
    ],
)
def test_reminders_accepted(written: str, seconds: tuple[int, ...]):
    assert parse(with_calendar(written)).reminders == seconds


@pytest.mark.parametrize(
    ("written", "seconds"),
    [
        ("nudge: 24h\n", DAY),
        ("nudge: P2D\n", 2 * DAY),
        ("nudge: 1d 6h\n", DAY + 6 * HOUR),
        ("nudge: off\n", None),
        ("nudge: false\n", None),
        ("nudge: 'off'\n", None),
        ("nudge: OFF\n", None),
    ],
)
def test_nudge_accepted(written: str, seconds: int | None):
    assert parse(with_calendar(written)).nudge == seconds


@pytest.mark.parametrize(("written", "value"), [("true", True), ("false", False)])
def test_nudge_observers_accepted(written: str, value: bool):
    assert parse(with_calendar(f"nudge_observers: {written}\n")).nudge_observers is value


@pytest.mark.parametrize(
    ("written", "seconds"),
    [("silence_minimum: 5d\n", 5 * DAY), ("silence_minimum: PT36H\n", 36 * HOUR)],
)
def test_silence_minimum_accepted(written: str, seconds: int):
    assert parse(with_calendar(written)).silence_minimum == seconds


NOT_A_DURATION = "is not a duration; expected e.g. 7d, 48h, 30m, 90s or ISO 8601 like P7D"

BAD_CALENDAR = [
    # (lines added, key, anchor of the reported line, expected words)
    ("reminders: [7d, 2 days]\n", "reminders[1]", "reminders:", f"'2 days' {NOT_A_DURATION}"),
    ("reminders: [7d, 48]\n", "reminders[1]", "reminders:", f"'48' {NOT_A_DURATION}"),
    ("reminders: [0h]\n", "reminders[0]", "reminders:", "'0h' must be longer than zero"),
    ("reminders: [P1M]\n", "reminders[0]", "reminders:", "years and months have no fixed"),
    (
        "reminders: [7d, 1d, 24h]\n",
        "reminders[2]",
        "reminders:",
        "'24h' is the same as reminders[1] ('1d'); expected each reminder once",
    ),
    (
        "reminders:\n  - 7d\n  - 168h\n",
        "reminders[1]",
        "- 168h",
        "'168h' is the same as reminders[0] ('7d')",
    ),
    ("reminders:\n", "reminders", "reminders:", "is empty; expected a list of durations"),
    ("reminders: {a: 1d}\n", "reminders", "reminders:", "or [] for no reminders"),
    ("reminders: off\n", "reminders", "reminders:", "expected a list of durations"),
    ("nudge: 2 days\n", "nudge", "nudge:", f"'2 days' {NOT_A_DURATION}; or off for no nudges"),
    ("nudge: 48\n", "nudge", "nudge:", f"'48' {NOT_A_DURATION}"),
    ("nudge: 0s\n", "nudge", "nudge:", "'0s' must be longer than zero"),
    ("nudge: -1h\n", "nudge", "nudge:", "'-1h' must be longer than zero"),
    ("nudge: true\n", "nudge", "nudge:", "expected a duration such as 48h, or off"),
    ("nudge:\n", "nudge", "nudge:", "is empty; expected e.g. 7d"),
    ("nudge_observers: 'false'\n", "nudge_observers", "nudge_observers", "true or false"),
    ("nudge_observers: 1\n", "nudge_observers", "nudge_observers", "got 1"),
    ("nudge_observers:\n", "nudge_observers", "nudge_observers", "got None"),
    ("silence_minimum: 3 days\n", "silence_minimum", "silence_minimum", NOT_A_DURATION),
    ("silence_minimum: 72\n", "silence_minimum", "silence_minimum", f"'72' {NOT_A_DURATION}"),
    ("silence_minimum: off\n", "silence_minimum", "silence_minimum", NOT_A_DURATION),
    ("silence_minimum: PT0S\n", "silence_minimum", "silence_minimum", "longer than zero"),
    ("silence_minimum:\n", "silence_minimum", "silence_minimum", "is empty"),
]


@pytest.mark.parametrize(
    ("lines", "key", "anchor", "expected"),
    BAD_CALENDAR,
    ids=[f"{b[1]}={b[0].strip()}" for b in BAD_CALENDAR],
)
def test_bad_calendar_value_is_one_error(lines: str, key: str, anchor: str, expected: str):
    text = with_calendar(lines)
    assert_names(the_error(text), key=key, line=line_of(text, anchor), expected=expected)


def test_every_calendar_problem_is_reported_at_once():
    text = with_calendar(
        "reminders: [1d, 24h, soon]\nnudge: yes\nnudge_observers: maybe\nsilence_minimum: 3\n"
    )
    keys = [error.split(": ")[2] for error in errors_of(text)]
    assert keys == ["reminders[1]", "reminders[2]", "nudge", "nudge_observers", "silence_minimum"]


@pytest.mark.parametrize(
    "lines",
    [
        "reminders: [7d, 2d, 24h]\nnudge: 48h\nnudge_observers: false\nsilence_minimum: 72h\n",
        "reminders: [1d, 48h, P1W]\nnudge: P2D\nsilence_minimum: 3d\n",
    ],
    ids=["defaults-written-out", "same-meaning-other-spelling"],
)
def test_digest_is_the_same_when_the_calendar_means_the_same(lines: str):
    assert parse(with_calendar(lines)).digest() == parse(SMALL).digest()


@pytest.mark.parametrize(
    "lines",
    [
        "reminders: [7d, 2d]\n",
        "reminders: []\n",
        "reminders: [7d, 2d, 12h]\n",
        "nudge: 24h\n",
        "nudge: off\n",
        "nudge_observers: true\n",
        "silence_minimum: 5d\n",
    ],
)
def test_digest_changes_when_the_calendar_changes(lines: str):
    assert parse(with_calendar(lines)).digest() != parse(SMALL).digest()


# -- impossible dates and values, in every spelling YAML allows ---------------------------------


@pytest.mark.parametrize(
    ("anchor", "written", "key"),
    [
        ("deadline: 2020-07-17T17:00", "2020-13-01T17:00:00+00:00", "agenda[0].deadline"),
        ("deadline: 2020-07-17T17:00", "2020-13-01 17:00:00", "agenda[0].deadline"),
        ("deadline: 2020-07-17T17:00", "2020-02-30T17:00", "agenda[0].deadline"),
        ("deadline: 2020-07-17T17:00", "2020-07-17T25:00:00Z", "agenda[0].deadline"),
        ("deadline: 2020-07-17T17:00", "2020-07-17T17:00:00+25:00", "agenda[0].deadline"),
        ("opens: 2020-07-03T09:00", "2020-02-30", "agenda[0].opens"),
        ("opens: 2020-07-03T09:00", "2020-02-30 09:00:00.5 +2", "agenda[0].opens"),
        ("opens: 2020-07-03T09:00", "'2020-02-30T09:00'", "agenda[0].opens"),
    ],
    ids=[
        "month-13-seconds-offset",
        "month-13-yaml-timestamp",
        "february-30",
        "hour-25",
        "offset-25h",
        "bare-impossible-date",
        "yaml-timestamp-fraction-short-offset",
        "quoted",
    ],
)
def test_an_impossible_date_is_named_with_its_line_and_key_never_a_traceback(
    anchor: str, written: str, key: str
):
    text = variant(anchor, f"{anchor.split(':')[0]}: {written}")
    assert_names(
        the_error(text),
        key=key,
        line=line_of(text, f"{anchor.split(':')[0]}: {written}"),
        expected="expected e.g. 2020-07-24T17:00",
    )


@pytest.mark.parametrize(
    ("written", "instant"),
    [
        ("2020-7-31 17:00:00", utc(2020, 7, 31, 15, 0)),  # one-digit month: a YAML timestamp
        ("2020-07-31 17:00:00.25 +2", utc(2020, 7, 31, 15, 0) + timedelta(seconds=0.25)),
        ("2020-07-31t15:00:00Z", utc(2020, 7, 31, 15, 0)),
    ],
)
def test_yaml_timestamps_pyyaml_used_to_read_are_still_accepted(written: str, instant: datetime):
    spec = parse(variant("deadline: 2020-07-31T17:00", f"deadline: {written}"))
    assert spec.agenda[1].deadline_at == instant


def test_a_date_as_a_title_is_text_not_a_date():
    spec = parse(variant("title: E-commerce package annexes", "title: 2020-07-31"))
    assert spec.agenda[1].title == "2020-07-31"


@pytest.mark.parametrize(
    "written",
    ["!!timestamp 2020-02-30", "!!int 2020-01-01", "!!float abc"],
)
def test_an_explicit_yaml_tag_that_cannot_be_read_is_an_error_with_its_line(written: str):
    text = variant("deadline: 2020-07-31T17:00", f"deadline: {written}")
    [error] = errors_of(text)
    assert error.startswith(f"{NAME}: line {line_of(text, written)}: not valid YAML: "), error


def test_an_anchor_inside_its_own_value_is_an_error_not_a_traceback():
    text = variant("chair: [U0CHAIR01]", "chair: &a [*a]")
    [error] = errors_of(text)
    assert "not valid YAML" in error and "contains itself" in error


# -- languages and texts in each language ------------------------------------------------------

BILINGUAL = (DATA / "bilingual.yaml").read_text(encoding="utf-8")


def with_languages(languages: str, text: str = SMALL) -> str:
    """`text` with a languages: line written just after the channel."""
    return variant("channel: C0TEST0001\n", f"channel: C0TEST0001\nlanguages: {languages}\n", text)


def test_a_file_without_languages_is_in_english_only_and_keeps_its_fingerprint():
    spec = parse(SMALL)
    assert spec.languages == ("en",) and spec.translations == {} and spec.pending == ()
    assert all(i.translations == {} for i in spec.agenda)
    assert all(d.language is None for d in spec.delegations)
    # Said explicitly, the default means the same file.
    assert parse(with_languages("[en]")).digest() == spec.digest()


def test_bilingual_file_reads_languages_texts_and_who_reads_what():
    spec = parse(BILINGUAL)
    assert spec.languages == ("en", "fr") and spec.warnings == ()
    assert spec.title == "Test Committee, written session"
    assert spec.translations == {"fr": {"title": "Comité de test, session écrite"}}
    first, second = spec.agenda
    assert first.title == "COVID-19: the WCO's role in the disaster management cycle"
    assert first.translations == {
        "fr": {
            "title": "COVID-19 : le rôle de l'OMD dans le cycle de gestion des catastrophes",
            "proposal": "Le CTP est invité à approuver les propositions.",
        }
    }
    assert [d.translations for d in first.documents] == [
        {"fr": {"title": "Gestion des catastrophes"}},
        {},  # a plain text: French readers read it as it is
    ]
    assert first.documents[0].title == "Disaster management"
    # The proposal of item 4 is one text: French falls back to it.
    assert second.translations == {
        "fr": {"title": "Annexes du paquet sur le commerce électronique"}
    }
    ivoire = spec.delegations[1]
    assert ivoire.language == "fr"
    assert [(p.user_id, p.language) for p in ivoire.delegates] == [
        ("U0CI00001", None),  # reads the delegation's language (the loader applies it)
        ("U0CI00002", "en"),
    ]
    assert [(p.user_id, p.language) for p in spec.secretariat] == [
        ("U0SEC0001", None),
        ("U0SEC0002", "fr"),
    ]


def test_a_translation_changes_the_fingerprint_the_same_file_does_not():
    spec = parse(BILINGUAL)
    assert parse(BILINGUAL).digest() == spec.digest()
    changed = variant("fr: Gestion des catastrophes", "fr: Gestion des risques", BILINGUAL)
    assert parse(changed).digest() != spec.digest()


@pytest.mark.parametrize("languages", ["[fr, en]", "[FR, en]", "fr"])
def test_the_first_language_is_the_main_one(languages: str):
    text = with_languages(languages)
    spec = parse(text)
    assert spec.languages[0] == "fr"
    assert spec.title == "Test Committee, written session"  # a plain text is every language's


@pytest.mark.parametrize(
    ("languages", "entry", "expected"),
    [
        ("[en, xx]", "xx", "'xx' is not a known language code; expected a two-letter code"),
        ("[en, french]", "french", "'french' is not a known language code"),
        ("[en, fr-CA]", "fr-CA", "'fr-CA' is not a known language code"),
        (
            "[en, no]",
            "no",
            "False is not a known language code; expected a two-letter code "
            "such as en or fr; write it in quotes",
        ),
    ],
)
def test_an_unknown_language_code_is_an_error_naming_its_line(
    languages: str, entry: str, expected: str
):
    text = with_languages(languages)
    assert_names(
        the_error(text), key="languages[1]", line=line_of(text, "languages:"), expected=expected
    )


def test_a_language_listed_twice_is_an_error():
    text = with_languages("\n  - en\n  - fr\n  - fr")
    assert_names(
        the_error(text),
        key="languages[2]",
        line=line_of(text, "  - fr") + 1,
        expected="'fr' is already listed at languages[1]; list each once",
    )


@pytest.mark.parametrize("value", ["[]", "{en: yes}", "3"])
def test_languages_that_are_no_list_of_codes_are_an_error(value: str):
    text = with_languages(value)
    error = the_error(text)
    assert_names(
        error, key="languages", line=line_of(text, "languages:"), expected="such as [en, fr]"
    )


def test_a_text_without_the_main_language_is_an_error():
    text = variant(
        "title: E-commerce package annexes",
        "title: {fr: Annexes du paquet sur le commerce électronique}",
        with_languages("[en, fr]"),
    )
    assert_names(
        the_error(text),
        key="agenda[1].title",
        line=line_of(text, "title: {fr:"),
        expected="has no text in en, the meeting's main language",
    )


def test_a_text_in_a_language_the_meeting_does_not_have_is_an_error():
    text = variant(
        "title: E-commerce package annexes",
        "title: {en: E-commerce package annexes, de: E-Commerce-Paket}",
        with_languages("[en, fr]"),
    )
    assert_names(
        the_error(text),
        key="agenda[1].title.de",
        line=line_of(text, "de: E-Commerce"),
        expected="'de' is not one of the meeting's languages (en, fr)",
    )


def test_a_text_map_in_a_one_language_meeting_must_stay_in_that_language():
    text = variant(
        "proposal: The PTC is invited to approve the three annexes.",
        "proposal: {en: Approve the annexes., fr: Approuver les annexes.}",
    )
    assert_names(
        the_error(text),
        key="agenda[1].proposal.fr",
        line=line_of(text, "proposal: {en"),
        expected="'fr' is not one of the meeting's languages (en)",
    )


def test_a_text_map_with_the_main_language_alone_is_that_text():
    text = variant("title: E-commerce package annexes", "title: {en: E-commerce package annexes}")
    assert parse(text) == parse(SMALL) and parse(text).digest() == parse(SMALL).digest()


def test_a_language_left_empty_reads_the_main_text():
    text = variant("fr: Gestion des catastrophes", "fr: ''", BILINGUAL)
    assert parse(text).agenda[0].documents[0].translations == {}


def test_a_delegations_language_must_be_one_of_the_meetings():
    text = variant("    language: fr\n", "    language: de\n", BILINGUAL)
    assert_names(
        the_error(text),
        key="delegations[1].language",
        line=line_of(text, "language: de"),
        expected="'de' is not one of the meeting's languages (en, fr)",
    )


def test_a_delegates_language_must_be_one_of_the_meetings():
    text = variant("delegates: [U0CI00001]", "delegates: [{id: U0CI00001, language: fr}]")
    assert_names(
        the_error(text),
        key="delegations[1].delegates[0].language",
        line=line_of(text, "language: fr"),
        expected="'fr' is not one of the meeting's languages (en)",
    )


def test_language_is_a_known_key_of_delegations_and_delegates():
    assert parse(BILINGUAL).warnings == ()


# -- entries whose e-mail no Slack user has -------------------------------------------------


def test_an_unknown_email_is_an_error_that_names_it_and_lists_it_as_unresolved():
    text = variant("jane.doe@customs.example", "Nobody@Customs.example")
    with pytest.raises(MeetingFileError) as caught:
        parse(text)
    [error] = caught.value.errors
    assert "no Slack user has the e-mail Nobody@Customs.example" in error
    assert caught.value.unresolved == ("Nobody@Customs.example",)


def test_allow_unresolved_keeps_unknown_emails_pending_with_role_delegation_and_language():
    text = variant(
        "delegates: [U0CI00001]",
        "language: fr\n    delegates: [U0CI00001, awa.diop@douanes.example,"
        " {email: koffi@douanes.example, name: Koffi Yao, language: en}]",
        with_languages("[en, fr]"),
    )
    text = variant(
        "secretariat: [U0SEC0001, U0SEC0002]", "secretariat: [U0SEC0001, sec@wco.example]", text
    )
    spec = parse_meeting(text, name=NAME, lookup_email=lookup, allow_unresolved=True)
    assert [(p.email, p.name, p.role, p.delegation, p.language) for p in spec.pending] == [
        ("sec@wco.example", None, "secretariat", None, None),
        ("awa.diop@douanes.example", None, "member", "Côte d'Ivoire", "fr"),
        ("koffi@douanes.example", "Koffi Yao", "member", "Côte d'Ivoire", "en"),
    ]
    assert [p.user_id for p in spec.delegations[1].delegates] == ["U0CI00001"]
    assert [p.user_id for p in spec.secretariat] == ["U0SEC0001"]
    # Found e-mails are people as before.
    assert spec.delegations[0].delegates[1].user_id == "U0AUJANE1"


def test_a_pending_email_listed_twice_is_still_one_seat():
    text = variant("delegates: [U0UPU0001]", "delegates: [U0UPU0001, nobody@upu.example]")
    text = variant("delegates: [U0CI00001]", "delegates: [U0CI00001, Nobody@upu.example]", text)
    with pytest.raises(MeetingFileError) as caught:
        parse_meeting(text, name=NAME, lookup_email=lookup, allow_unresolved=True)
    [error] = caught.value.errors
    assert "delegations[2].delegates[1]" in error
    assert "nobody@upu.example is already listed at delegations[1].delegates[1]" in error


def test_allow_unresolved_needs_a_token_to_look_emails_up_all_the_same():
    with pytest.raises(MeetingFileError) as caught:
        parse_meeting(SMALL, name=NAME, lookup_email=None, allow_unresolved=True)
    [error] = caught.value.errors
    assert "set SLACK_BOT_TOKEN" in error
