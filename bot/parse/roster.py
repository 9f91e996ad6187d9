"""A roster spreadsheet (`python -m bot roster import`): CSV or XLSX rows in, validated rows out,
or every problem at once, each naming its row and column.

The columns are `delegation, kind, name, email, slack_id, language`: headers in any case and
order, spaces around them ignored, other columns ignored.  Row numbers are the spreadsheet's
(the header is row 1).  A row names one person of a delegation (`kind` member or observer), of
the chair or of the secretariat (`delegation` empty, or "Chair" / "Secretariat"), by Slack user
id or by e-mail.  A row with a delegation and its kind but no person declares a delegation that
has no one yet (as the meeting file allows).

E-mails without a Slack id are resolved through an injected lookup (Slack's
users.lookupByEmail in production), so this module reads the file and nothing else.  The
problems are typed (`RosterProblem`: a code, where, and the offending value); the command line
puts them into words.
"""

import csv
import io
import re
import zipfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time
from pathlib import Path
from typing import Literal

from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from bot.parse.meeting_file import EMAIL, USER_ID
from models import ROLES, Role

ROSTER_COLUMNS: tuple[str, ...] = ("delegation", "kind", "name", "email", "slack_id", "language")
REQUIRED_COLUMNS: tuple[str, ...] = ("delegation", "kind")
PERSON_COLUMNS: tuple[str, ...] = ("email", "slack_id")  # at least one of them
# What a chair's or secretariat's row may say in the `delegation` column, besides nothing.
ROLE_DELEGATIONS: dict[str, str] = {"chair": "Chair", "secretariat": "Secretariat"}
# Header spellings taken for a column besides its own name ("E-mail", "Slack ID").
HEADER_ALIASES = {"e_mail": "email", "slackid": "slack_id", "slack_user_id": "slack_id"}
FILE_TYPES = (".csv", ".xlsx")

ProblemCode = Literal[
    "unreadable",  # the file cannot be read (value: the system's reason)
    "unsupported_type",  # neither .csv nor .xlsx (value: the suffix)
    "not_utf8",  # a CSV file that is not UTF-8
    "not_csv",  # a CSV file the csv module cannot read (row: where; value: why)
    "not_a_workbook",  # an .xlsx file openpyxl cannot open
    "empty_file",  # no header row at all
    "missing_column",  # a required header is missing (column: which)
    "missing_person_column",  # neither email nor slack_id is a header
    "duplicate_column",  # the same header twice (value: as written)
    "no_rows",  # a header and no one under it
    "required",  # an empty cell that must be filled
    "unknown_kind",  # value: as written
    "reserved_delegation",  # a member or observer delegation named Chair or Secretariat
    "role_delegation",  # a chair or secretariat row naming a delegation
    "no_person",  # a row with a name or language but neither e-mail nor Slack id
    "bad_email",  # value: as written
    "bad_slack_id",  # value: as written
    "unknown_language",  # value: as written; expected: the meeting's languages
    "kind_conflict",  # a delegation listed with another kind at other_row (value: that kind)
    "spelling_conflict",  # a delegation written otherwise at other_row (value: that spelling)
    "duplicate_person",  # the same person already at other_row (value: id or e-mail)
    "no_chair",  # nobody has kind chair
    "no_secretariat",  # nobody has kind secretariat
    "no_lookup",  # an e-mail to look up and no Slack token to do it with
    "not_found",  # Slack has nobody with this e-mail (value: the e-mail)
]


@dataclass(frozen=True)
class RosterProblem:
    """One problem: `row` and `column` say where (None: the file as a whole, or no one row)."""

    code: ProblemCode
    row: int | None = None
    column: str | None = None
    value: str = ""
    other_row: int | None = None
    expected: tuple[str, ...] = ()


@dataclass(frozen=True)
class RosterRow:
    """One valid row.  `delegation` is None for the chair and the secretariat; `slack_id` and
    `email` are never both None, except on a delegation's own row (`person` False)."""

    row: int
    delegation: str | None
    kind: Role
    name: str | None
    email: str | None  # lower case
    slack_id: str | None
    language: str | None  # lower case, one of the meeting's languages

    @property
    def person(self) -> bool:
        return self.email is not None or self.slack_id is not None


@dataclass(frozen=True)
class RosterFile:
    rows: tuple[RosterRow, ...]
    problems: tuple[RosterProblem, ...]


EmailLookup = Callable[[str], str | None]


# -- reading the file ------------------------------------------------------------------------------


def read_roster(path: str | Path, *, languages: Sequence[str]) -> RosterFile:
    """The rows of a CSV or XLSX roster, validated; `languages` are the meeting's."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in FILE_TYPES:
        return RosterFile((), (RosterProblem("unsupported_type", value=path.suffix),))
    try:
        data = path.read_bytes()
    except OSError as exc:
        return RosterFile((), (RosterProblem("unreadable", value=exc.strerror or str(exc)),))
    if suffix == ".csv":
        return parse_csv(data, languages=languages)
    return parse_xlsx(data, languages=languages)


def parse_csv(data: bytes, *, languages: Sequence[str]) -> RosterFile:
    """CSV in UTF-8, with or without a byte order mark; comma, semicolon or tab separated (a
    spreadsheet saved in a French locale writes semicolons)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return RosterFile((), (RosterProblem("not_utf8"),))
    first = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first.count) if first.strip() else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        table = list(enumerate(reader, start=1))
    except csv.Error as exc:  # a NUL character, a cell longer than the csv module takes
        return RosterFile((), (RosterProblem("not_csv", row=reader.line_num, value=str(exc)),))
    return parse_table(table, languages=languages)


def parse_xlsx(data: bytes, *, languages: Sequence[str]) -> RosterFile:
    """The workbook's first sheet."""
    try:
        book = load_workbook(io.BytesIO(data), data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, ValueError, TypeError, OSError):
        return RosterFile((), (RosterProblem("not_a_workbook"),))
    sheet = book.worksheets[0]
    table = [
        (cells[0].row, [_cell_text(cell.value) for cell in cells])
        for cells in sheet.iter_rows()
        if cells
    ]
    return parse_table(table, languages=languages)


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return str(value)


# -- validating the rows ---------------------------------------------------------------------------


def header_name(text: str) -> str:
    """A header as compared: "  Slack ID " -> "slack_id", "E-mail" -> "email"."""
    name = re.sub(r"[\s\-]+", "_", text.strip().lower())
    return HEADER_ALIASES.get(name, name)


def parse_table(
    table: Iterable[tuple[int, Sequence[str]]], *, languages: Sequence[str]
) -> RosterFile:
    """Rows as (spreadsheet row number, cells), the header first: validated."""
    rows = iter(table)
    header = next(rows, None)
    if header is None or not any(cell.strip() for cell in header[1]):
        return RosterFile((), (RosterProblem("empty_file"),))
    header_row, cells = header
    columns: dict[str, int] = {}
    problems: list[RosterProblem] = []
    for index, cell in enumerate(cells):
        name = header_name(cell)
        if name not in ROSTER_COLUMNS:
            continue  # another column: ignored
        if name in columns:
            problems.append(
                RosterProblem("duplicate_column", row=header_row, column=name, value=cell.strip())
            )
        else:
            columns[name] = index
    for name in REQUIRED_COLUMNS:
        if name not in columns:
            problems.append(RosterProblem("missing_column", row=header_row, column=name))
    if not any(name in columns for name in PERSON_COLUMNS):
        problems.append(RosterProblem("missing_person_column", row=header_row))
    if problems:
        return RosterFile((), tuple(problems))
    return _Validator(columns, languages).validate(rows)


class _Validator:
    def __init__(self, columns: dict[str, int], languages: Sequence[str]) -> None:
        self.columns = columns
        self.languages = tuple(languages)
        self.problems: list[RosterProblem] = []
        # Seen so far: delegation (casefolded) -> (row, spelling, kind); person -> row.
        self.delegations: dict[str, tuple[int, str, str]] = {}
        self.people: dict[str, int] = {}

    def problem(
        self,
        code: ProblemCode,
        row: int,
        column: str,
        *,
        value: str = "",
        other_row: int | None = None,
        expected: tuple[str, ...] = (),
    ) -> None:
        self.problems.append(
            RosterProblem(code, row, column, value=value, other_row=other_row, expected=expected)
        )

    def validate(self, rows: Iterable[tuple[int, Sequence[str]]]) -> RosterFile:
        valid: list[RosterRow] = []
        for number, cells in rows:
            values = {
                name: (cells[index].strip() if index < len(cells) else "")
                for name, index in self.columns.items()
            }
            if not any(values.values()):
                continue  # a blank row: skipped, its number kept
            row = self.row(number, values)
            if row is not None:
                valid.append(row)
        if not valid and not self.problems:
            self.problems.append(RosterProblem("no_rows"))
        kinds = {row.kind for row in valid if row.person}
        if valid and "chair" not in kinds:
            self.problems.append(RosterProblem("no_chair", column="kind"))
        if valid and "secretariat" not in kinds:
            self.problems.append(RosterProblem("no_secretariat", column="kind"))
        return RosterFile(tuple(valid), tuple(self.problems))

    def row(self, number: int, values: dict[str, str]) -> RosterRow | None:
        before = len(self.problems)
        raw_kind = values.get("kind", "")
        kind = raw_kind.lower()
        delegation: str | None = values.get("delegation", "") or None
        if not raw_kind:
            self.problem("required", number, "kind", expected=ROLES)
        elif kind not in ROLES:
            self.problem("unknown_kind", number, "kind", value=raw_kind, expected=ROLES)
        elif kind in ROLE_DELEGATIONS:
            if delegation is not None and delegation.casefold() != kind:
                self.problem(
                    "role_delegation",
                    number,
                    "delegation",
                    value=delegation,
                    expected=(ROLE_DELEGATIONS[kind],),
                )
            delegation = None
        elif delegation is None:
            self.problem("required", number, "delegation")
        elif delegation.casefold() in ROLE_DELEGATIONS:
            self.problem("reserved_delegation", number, "delegation", value=delegation)
        else:
            self.delegation(number, delegation, kind)

        name = values.get("name", "") or None
        raw_email = values.get("email", "")
        email = raw_email.lower() or None
        if email is not None and not EMAIL.match(email):
            self.problem("bad_email", number, "email", value=raw_email)
        slack_id = values.get("slack_id", "") or None
        if slack_id is not None and not USER_ID.match(slack_id):
            self.problem("bad_slack_id", number, "slack_id", value=slack_id)
        raw_language = values.get("language", "")
        language = raw_language.lower() or None
        if language is not None and language not in self.languages:
            self.problem(
                "unknown_language", number, "language", value=raw_language, expected=self.languages
            )
        if email is None and slack_id is None and (name or language or kind in ROLE_DELEGATIONS):
            column = "email" if "email" in self.columns else "slack_id"
            self.problem("no_person", number, column)
        for key, column in ((slack_id, "slack_id"), (email, "email")):
            if key is None:
                continue
            first = self.people.get(key)
            if first is not None:
                self.problem("duplicate_person", number, column, value=key, other_row=first)
            else:
                self.people[key] = number
        if len(self.problems) > before:
            return None
        return RosterRow(
            row=number,
            delegation=delegation,
            kind=kind,  # type: ignore[arg-type]  # one of ROLES, checked above
            name=name,
            email=email,
            slack_id=slack_id,
            language=language,
        )

    def delegation(self, number: int, name: str, kind: str) -> None:
        seen = self.delegations.get(name.casefold())
        if seen is None:
            self.delegations[name.casefold()] = (number, name, kind)
            return
        first, spelling, first_kind = seen
        if spelling != name:
            self.problem("spelling_conflict", number, "delegation", value=spelling, other_row=first)
        if first_kind != kind:
            self.problem("kind_conflict", number, "kind", value=first_kind, other_row=first)


# -- resolving e-mails -----------------------------------------------------------------------------


def resolve_emails(
    rows: Sequence[RosterRow],
    lookup: EmailLookup | None,
    *,
    allow_unresolved: bool,
    known: Mapping[str, str] | None = None,
) -> tuple[tuple[RosterRow, ...], tuple[RosterProblem, ...]]:
    """Each row given by e-mail only gets a Slack id: the one `known` gives (e-mails the
    meeting already knows, as for a delegate from another workspace matched by a request to
    join), else the one `lookup` finds.  Not found: a problem, or with `allow_unresolved` the
    row stays without an id (a pending person).  Without a lookup (no Slack token) an e-mail
    not known is a problem.  A person found twice (an e-mail whose id another row gives) is a
    problem too."""
    known = known or {}
    resolved: list[RosterRow] = []
    problems: list[RosterProblem] = []
    seen = {row.slack_id: row.row for row in rows if row.slack_id is not None}
    for row in rows:
        if row.slack_id is not None or row.email is None:
            resolved.append(row)
            continue
        user_id = known.get(row.email)
        if user_id is None and lookup is None:
            problems.append(
                RosterProblem("no_lookup", row=row.row, column="email", value=row.email)
            )
            continue
        if user_id is None and lookup is not None:
            user_id = lookup(row.email)
        if user_id is None:
            if allow_unresolved:
                resolved.append(row)
            else:
                problems.append(
                    RosterProblem("not_found", row=row.row, column="email", value=row.email)
                )
            continue
        first = seen.get(user_id)
        if first is not None:
            problems.append(
                RosterProblem(
                    "duplicate_person", row=row.row, column="email", value=user_id, other_row=first
                )
            )
            continue
        seen[user_id] = row.row
        resolved.append(replace(row, slack_id=user_id))
    return tuple(resolved), tuple(problems)
