"""A roster spreadsheet read and validated: CSV and XLSX in, rows or every problem at once."""

import io
from pathlib import Path

import pytest
from openpyxl import Workbook

from bot.cli import roster_problem_text
from bot.parse.roster import (
    RosterFile,
    RosterProblem,
    RosterRow,
    header_name,
    parse_csv,
    parse_xlsx,
    read_roster,
    resolve_emails,
)

LANGUAGES = ("en", "fr")
GOOD = """delegation,kind,name,email,slack_id,language
,chair,Ravi Kaur,,U0CHAIR01,
Secretariat,secretariat,,,U0SEC0001,en
Australia,member,Alex Adler,,U0AU00001,
Australia,member,Jane Doe,jane.doe@customs.example,,
Côte d'Ivoire,member,Kofi Mensah,,U0CI00001,fr
Universal Postal Union,observer,,,U0UPU0001,
"""


def csv_file(text: str, *, bom: bool = False) -> RosterFile:
    return parse_csv(("\ufeff" if bom else "").encode() + text.encode(), languages=LANGUAGES)


def problems(text: str) -> list[tuple[str, int | None, str | None]]:
    return [(p.code, p.row, p.column) for p in csv_file(text).problems]


def words(problem: RosterProblem) -> str:
    return roster_problem_text(problem, Path("roster.csv"))


def test_a_good_file_gives_one_row_per_person_with_the_spreadsheet_row_numbers():
    parsed = csv_file(GOOD)
    assert parsed.problems == ()
    assert [r.row for r in parsed.rows] == [2, 3, 4, 5, 6, 7]
    chair, secretary, alex, jane, kofi, upu = parsed.rows
    assert chair == RosterRow(2, None, "chair", "Ravi Kaur", None, "U0CHAIR01", None)
    assert (secretary.delegation, secretary.kind, secretary.language) == (None, "secretariat", "en")
    assert (alex.delegation, alex.kind, alex.name) == ("Australia", "member", "Alex Adler")
    assert (jane.email, jane.slack_id) == ("jane.doe@customs.example", None)
    assert (kofi.delegation, kofi.language) == ("Côte d'Ivoire", "fr")
    assert (upu.kind, upu.name) == ("observer", None)


def test_headers_in_any_case_and_order_with_spaces_and_extra_columns_and_a_bom():
    text = (
        " Language ;E-mail;Notes;KIND;Slack ID; Delegation ;Name\n"
        ";;chair of the PTC;Chair;U0CHAIR01;;Ravi Kaur\n"
        ";;;SECRETARIAT;U0SEC0001;secretariat;\n"
        "FR;JANE.DOE@Customs.example;late;member;;Australia;Jane Doe\n"
    )
    parsed = csv_file(text, bom=True)  # Excel's "CSV UTF-8", in a French locale: semicolons
    assert parsed.problems == ()
    chair, secretary, jane = parsed.rows
    assert (chair.kind, chair.name, chair.delegation) == ("chair", "Ravi Kaur", None)
    assert secretary.kind == "secretariat"
    assert (jane.email, jane.language, jane.delegation) == (
        "jane.doe@customs.example",
        "fr",
        "Australia",
    )
    assert header_name("  Slack ID ") == "slack_id" and header_name("e-mail") == "email"


def test_the_name_and_language_columns_may_be_left_out_and_one_of_email_or_slack_id_suffices():
    parsed = csv_file("kind,slack_id,delegation\nchair,U0CHAIR01,\nsecretariat,U0SEC0001,\n")
    assert parsed.problems == ()
    assert [(r.name, r.language, r.email) for r in parsed.rows] == [(None, None, None)] * 2


def test_missing_required_headers_are_reported_together_on_row_1():
    assert problems("name,language,notes\nJane,en,x\n") == [
        ("missing_column", 1, "delegation"),
        ("missing_column", 1, "kind"),
        ("missing_person_column", 1, None),
    ]
    [problem] = csv_file("delegation,kind,name\n").problems
    assert words(problem) == (
        "row 1: no column email nor slack_id; each person is given by one or both"
    )
    [kind] = csv_file("delegation,email\n").problems
    assert words(kind).startswith("row 1, column kind: missing header; the columns are delegation")


def test_a_column_headed_twice_is_a_problem():
    assert problems("delegation,kind,email,Email\n") == [("duplicate_column", 1, "email")]


def test_every_problem_names_its_row_and_column_and_all_are_reported_together():
    text = (
        "delegation,kind,name,email,slack_id,language\n"
        ",chair,,,U0CHAIR01,\n"  # 2
        ",secretariat,,,U0SEC0001,\n"  # 3
        "Australia,member,,,U0AU00001,\n"  # 4
        "Australia,observer,,,U0AU00002,\n"  # 5: the delegation's kind differs from row 4
        "Australia,member,,,U0AU00001,\n"  # 6: the same person as row 4
        "France,member,,marie@douane,,\n"  # 7: not an e-mail address
        "France,member,,,u0fr0001,\n"  # 8: not a Slack user id
        "France,delegate,,,U0FR00002,\n"  # 9: no such kind
        "France,member,,,U0FR00003,de\n"  # 10: not a language of the meeting
        ",member,,,U0XX00001,\n"  # 11: a member without a delegation
        "Secretariat,member,,,U0XX00002,\n"  # 12: a reserved name
        "Australia,chair,,,U0XX00003,\n"  # 13: the chair belongs to no delegation
        "france,member,,,U0FR00004,\n"  # 14: written otherwise than row 7
        "France,member,Marie,,,\n"  # 15: a person without e-mail or Slack id
        ",,,,U0XX00004,\n"  # 16: no kind
        "Senegal,member,,ALIOUNE@douanes.sn,,\n"  # 17
        "Senegal,member,,alioune@douanes.sn,,\n"  # 18: the same e-mail as row 17
    )
    assert problems(text) == [
        ("kind_conflict", 5, "kind"),
        ("duplicate_person", 6, "slack_id"),
        ("bad_email", 7, "email"),
        ("bad_slack_id", 8, "slack_id"),
        ("unknown_kind", 9, "kind"),
        ("unknown_language", 10, "language"),
        ("required", 11, "delegation"),
        ("reserved_delegation", 12, "delegation"),
        ("role_delegation", 13, "delegation"),
        ("spelling_conflict", 14, "delegation"),
        ("no_person", 15, "email"),
        ("required", 16, "kind"),
        ("duplicate_person", 18, "email"),
    ]
    said = [words(p) for p in csv_file(text).problems]
    assert said[0] == (
        "row 5, column kind: the same delegation is member at row 4; a delegation has one kind"
    )
    assert (
        said[1]
        == "row 6, column slack_id: U0AU00001 is already listed at row 4; one row per person"
    )
    assert said[2] == "row 7, column email: not an e-mail address ('marie@douane')"
    assert said[3].startswith("row 8, column slack_id: not a Slack user id ('u0fr0001')")
    assert said[4] == (
        "row 9, column kind: 'delegate' is not a kind; expected member, observer, chair or "
        "secretariat"
    )
    assert said[5] == (
        "row 10, column language: 'de' is not a language of this meeting; expected en, fr, or empty"
    )
    assert (
        said[6]
        == "row 11, column delegation: empty; a member or an observer belongs to a delegation"
    )
    assert said[8] == (
        "row 13, column delegation: 'Australia' for the chair; expected the delegation empty, "
        "or Chair"
    )
    assert said[9] == (
        "row 14, column delegation: the same delegation is written 'France' at row 7; "
        "write it one way"
    )
    assert "already listed at row 17" in said[12]


def test_a_roster_without_a_chair_or_a_secretariat_or_anyone_is_refused():
    assert problems("delegation,kind,slack_id\nAustralia,member,U0AU00001\n") == [
        ("no_chair", None, "kind"),
        ("no_secretariat", None, "kind"),
    ]
    assert problems("delegation,kind,slack_id\n\n") == [("no_rows", None, None)]
    [empty] = csv_file("").problems
    assert empty.code == "empty_file"
    assert words(empty).startswith("roster.csv: no header row; expected the columns delegation")


def test_blank_rows_are_skipped_and_keep_their_numbers():
    text = (
        "delegation,kind,slack_id\n,chair,U0CHAIR01\n,,\n\n,secretariat,U0SEC0001\nX,member,bad\n"
    )
    assert problems(text) == [("bad_slack_id", 6, "slack_id")]


def test_a_delegation_row_without_anyone_declares_an_empty_delegation():
    text = (
        "delegation,kind,email,slack_id\n"
        ",chair,,U0CHAIR01\n"
        ",secretariat,,U0SEC0001\n"
        "France,member,,\n"
    )
    parsed = csv_file(text)
    assert parsed.problems == ()
    france = parsed.rows[-1]
    assert (france.delegation, france.kind, france.person) == ("France", "member", False)
    # The chair and the secretariat are people: their row needs one.
    assert problems(text + ",chair,,\n") == [("no_person", 5, "email")]


def test_a_quoted_cell_over_two_lines_is_one_spreadsheet_row():
    text = (
        "delegation,kind,name,slack_id\n"
        ',chair,"Ravi\nKaur",U0CHAIR01\n'  # row 2: one cell over two lines
        ",secretariat,,U0SEC0001\n"
        "X,member,,no\n"
    )
    assert problems(text) == [("bad_slack_id", 4, "slack_id")]


def test_a_file_that_is_not_utf8_or_not_a_roster_type_says_so(tmp_path: Path):
    assert [
        p.code for p in parse_csv("délégation".encode("latin-1"), languages=LANGUAGES).problems
    ] == ["not_utf8"]
    huge = b"delegation,kind,slack_id\n,chair,U0CHAIR01\n,secretariat," + b"U" * 200_000
    [unreadable] = parse_csv(huge, languages=LANGUAGES).problems
    assert (unreadable.code, unreadable.row) == ("not_csv", 3)
    assert (
        words(unreadable) == "row 3: cannot be read as CSV (field larger than field limit (131072))"
    )
    odt = tmp_path / "roster.ods"
    odt.write_bytes(b"x")
    [problem] = read_roster(odt, languages=LANGUAGES).problems
    assert words(problem) == "roster.csv: a roster is a .csv or .xlsx file, not .ods"
    [missing] = read_roster(tmp_path / "nowhere.csv", languages=LANGUAGES).problems
    assert missing.code == "unreadable"
    fake = tmp_path / "fake.xlsx"
    fake.write_text("delegation,kind\n")
    assert [p.code for p in read_roster(fake, languages=LANGUAGES).problems] == ["not_a_workbook"]


def xlsx_bytes(rows: list[list[object]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    book.create_sheet("Notes").append(["ignored: only the first sheet is read"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_an_xlsx_roster_is_read_from_its_first_sheet_with_the_same_checks():
    data = xlsx_bytes(
        [
            ["Slack_ID", "Kind", "Delegation", "Name", "Email", "Language", "Phone"],
            ["U0CHAIR01", "chair", None, "Ravi Kaur", None, None, 3212345678],
            ["U0SEC0001", "secretariat", "Secretariat", None, None, "EN", None],
            [None, "member", "Australia", "Jane Doe", "jane.doe@customs.example", None, None],
            [None, None, None, None, None, None, None],
            ["U0AU00001", "member", "Australia", None, "not-an-address", 42, None],
        ]
    )
    parsed = parse_xlsx(data, languages=LANGUAGES)
    assert [(p.code, p.row, p.column) for p in parsed.problems] == [
        ("bad_email", 6, "email"),
        ("unknown_language", 6, "language"),
    ]
    assert [r.row for r in parsed.rows] == [2, 3, 4]
    assert parsed.rows[1].language == "en"
    assert parsed.rows[2].email == "jane.doe@customs.example"


def test_read_roster_chooses_the_reader_by_the_extension(tmp_path: Path):
    (tmp_path / "r.csv").write_text(GOOD, encoding="utf-8")
    lines = [line.split(",") for line in GOOD.splitlines()]
    (tmp_path / "r.XLSX").write_bytes(xlsx_bytes([list(cells) for cells in lines]))
    from_csv = read_roster(tmp_path / "r.csv", languages=LANGUAGES)
    from_xlsx = read_roster(tmp_path / "r.XLSX", languages=LANGUAGES)
    assert from_csv == from_xlsx and from_csv.problems == () and len(from_csv.rows) == 6


# -- e-mails resolved ------------------------------------------------------------------------------


def test_emails_are_resolved_by_the_lookup_and_unknown_ones_are_problems_or_pending():
    rows = csv_file(GOOD + "France,member,Marie,marie@douane.gouv.fr,,\n").rows
    asked: list[str] = []

    def lookup(email: str) -> str | None:
        asked.append(email)
        return {"jane.doe@customs.example": "U0AUJANE1"}.get(email)

    resolved, found = resolve_emails(rows, lookup, allow_unresolved=False)
    assert asked == ["jane.doe@customs.example", "marie@douane.gouv.fr"]
    assert [(p.code, p.row, p.column, p.value) for p in found] == [
        ("not_found", 8, "email", "marie@douane.gouv.fr")
    ]
    assert words(found[0]).startswith(
        "row 8, column email: no Slack user has the e-mail marie@douane.gouv.fr"
    )
    assert resolved[3].slack_id == "U0AUJANE1"
    pending, none = resolve_emails(rows, lookup, allow_unresolved=True)
    assert none == () and (pending[-1].email, pending[-1].slack_id) == (
        "marie@douane.gouv.fr",
        None,
    )


def test_emails_the_meeting_knows_need_no_lookup_and_without_one_the_rest_are_problems():
    rows = csv_file(GOOD).rows
    resolved, none = resolve_emails(
        rows, None, allow_unresolved=False, known={"jane.doe@customs.example": "U0AUJANE1"}
    )
    assert none == () and resolved[3].slack_id == "U0AUJANE1"
    _, found = resolve_emails(rows, None, allow_unresolved=True)
    assert [(p.code, p.row) for p in found] == [("no_lookup", 5)]  # even when allowed unresolved
    assert "set SLACK_BOT_TOKEN" in words(found[0])


def test_an_email_that_resolves_to_someone_already_listed_is_a_duplicate():
    rows = csv_file(GOOD).rows
    _, found = resolve_emails(rows, lambda email: "U0AU00001", allow_unresolved=False)
    assert [(p.code, p.row, p.column, p.other_row) for p in found] == [
        ("duplicate_person", 5, "email", 4)
    ]


@pytest.mark.parametrize("kind", ["Chair", "SECRETARIAT"])
def test_the_chair_and_secretariat_may_write_their_own_name_as_delegation(kind: str):
    text = f"delegation,kind,slack_id\n{kind},{kind.lower()},U0CHAIR01\n,chair,U0CHAIR02\n"
    text += ",secretariat,U0SEC0001\n"
    assert csv_file(text).problems == ()
