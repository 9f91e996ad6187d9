"""`python -m bot roster import|export`, through the command line's main() against a real
database and the Slack stand-in (users.lookupByEmail for e-mails, users.info for names).

The meeting is tests/data/small.yaml, loaded as an operator would (`python -m bot load`).
"""

import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from sqlalchemy import func
from sqlmodel import Session, SQLModel, select

from bot.cli import main
from bot.core.config import Settings
from bot.core.db import make_engine
from bot.demo.standin import SlackStandIn
from models import AuditEntry, Delegation, Participant, PendingPerson
from tests.conftest import DATA

# What main()'s logging writes to stderr (the migrations' steps), beside the command's words.
LOG_LINE = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ [A-Z]+ ")
HEADER = ["delegation", "kind", "name", "email", "slack_id", "language"]


@dataclass
class Run:
    code: int
    out: str
    err: str


@dataclass
class Roster:
    """The command line in one test's directory, and its database read back."""

    cwd: Path
    database_url: str
    capsys: pytest.CaptureFixture[str]

    def __call__(self, *args: str) -> Run:
        self.capsys.readouterr()  # what came before is not this command's
        code = main(list(args))
        out, err = self.capsys.readouterr()
        said = [line for line in err.splitlines(keepends=True) if not LOG_LINE.match(line)]
        return Run(code, out, "".join(said))

    def query(self, read: Any) -> Any:
        engine = make_engine(self.database_url)
        try:
            with Session(engine) as session:
                return read(session)
        finally:
            engine.dispose()

    def snapshot(self) -> dict[str, list[dict[str, Any]]]:
        """Every roster row and audit entry, as stored."""

        def dump(model: type[SQLModel]) -> Any:
            return lambda s: sorted((r.model_dump() for r in s.exec(select(model))), key=repr)

        return {
            m.__name__: self.query(dump(m))
            for m in (Delegation, Participant, PendingPerson, AuditEntry)
        }

    def audits(self) -> list[AuditEntry]:
        return self.query(
            lambda s: list(s.exec(select(AuditEntry).where(AuditEntry.action == "roster_import")))
        )

    def write_csv(self, name: str, rows: list[list[str]], header: list[str] = HEADER) -> Path:
        path = self.cwd / name
        with path.open("w", encoding="utf-8", newline="") as handle:
            csv.writer(handle).writerows([header, *rows])
        return path


@pytest.fixture
def roster(
    standin: SlackStandIn,
    settings: Settings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> Iterator[Roster]:
    monkeypatch.chdir(tmp_path)  # no stray .env
    for name in ("SLACK_APP_TOKEN", "PORT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    monkeypatch.setenv("SLACK_BOT_TOKEN", standin.token)
    monkeypatch.setenv("SLACK_API_URL", standin.api_url)
    runner = Roster(cwd=tmp_path, database_url=settings.database_url, capsys=capsys)
    # The small meeting, in English and French.
    bilingual = (DATA / "small.yaml").read_text(encoding="utf-8")
    bilingual = bilingual.replace(
        "timezone: Europe/Brussels\n", "timezone: Europe/Brussels\n" + "languages: [en, fr]\n", 1
    )
    meeting_file = tmp_path / "bilingual.yaml"
    meeting_file.write_text(bilingual, encoding="utf-8")
    loaded = runner("load", str(meeting_file))
    assert loaded.code == 0, loaded.err
    yield runner


SMALL_ROSTER = [
    ["Chair", "chair", "Ravi Kaur", "", "U0CHAIR01", ""],
    ["Secretariat", "secretariat", "Sam Banda", "", "U0SEC0001", ""],
    ["Secretariat", "secretariat", "Noor Dahl", "", "U0SEC0002", ""],
    ["Australia", "member", "Alex Adler", "", "U0AU00001", ""],
    ["Australia", "member", "Jane Doe", "jane.doe@customs.example", "U0AUJANE1", ""],
    ["Côte d'Ivoire", "member", "Kofi Mensah", "", "U0CI00001", ""],
    ["Universal Postal Union", "observer", "Elif Novak", "", "U0UPU0001", ""],
]


def read_csv(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle))


def test_export_writes_the_active_roster_in_the_import_columns(roster: Roster):
    out = roster.cwd / "roster.csv"
    result = roster("roster", "export", "--out", str(out))
    assert result.code == 0, result.err
    assert result.out == f"test-ptc: wrote the roster (7 people, 3 delegations) to {out}\n"
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")  # Excel reads the accents
    assert read_csv(out) == [HEADER, *SMALL_ROSTER]  # names as Slack gave them at load


def test_importing_the_exported_file_changes_nothing(roster: Roster):
    out = roster.cwd / "roster.csv"
    assert roster("roster", "export", "--meeting", "test-ptc", "--out", str(out)).code == 0
    before = roster.snapshot()
    result = roster("roster", "import", str(out), "--meeting", "test-ptc")
    assert result.code == 0, result.err
    assert result.out == f"test-ptc: no changes (the roster already matches {out})\n"
    assert roster.snapshot() == before  # not even an audit entry


def test_a_dry_run_says_what_would_change_and_writes_nothing(roster: Roster, standin: SlackStandIn):
    standin.add_user("U0FR00001", email="marie.diallo@douane.example", real_name="Marie Diallo")
    path = roster.write_csv(
        "changed.csv",
        [
            *SMALL_ROSTER[:4],
            ["France", "member", "", "marie.diallo@douane.example", "", "fr"],
            ["Côte d'Ivoire", "observer", "Kofi Mensah", "", "U0CI00001", "fr"],
        ],
    )
    before = roster.snapshot()
    result = roster("roster", "import", str(path), "--dry-run")
    assert result.code == 0, result.err
    assert result.out.splitlines() == [
        f"test-ptc: dry run, nothing written; importing {path} would change:",
        "  delegations: 1 added, 1 changed, 1 retired; people: 1 added, 1 changed, 2 retired",
        "  added delegation France (member)",
        "  changed delegation Côte d'Ivoire: kind (observer)",
        "  retired delegation Universal Postal Union (its comments are kept)",
        "  added U0FR00001 as member of France",
        "  changed U0CI00001 (Kofi Mensah): kind, language (now observer of Côte d'Ivoire)",
        "  retired U0AUJANE1 (Jane Doe) from the roster (comments kept)",
        "  retired U0UPU0001 (Elif Novak) from the roster (comments kept)",
    ]
    assert roster.snapshot() == before
    lookup = standin.calls_to("users.lookupByEmail")[-1]  # the file was checked all the same
    assert lookup.params["email"] == "marie.diallo@douane.example"

    real = roster("roster", "import", str(path))
    assert real.code == 0, real.err
    assert real.out.splitlines()[0] == f"test-ptc: roster imported from {path}:"
    assert real.out.splitlines()[1:] == result.out.splitlines()[1:]
    [entry] = roster.audits()
    assert (entry.actor, entry.outcome) == ("cli", "ok")
    assert entry.detail.startswith("delegations +1 ~1 -1, people +1 ~1 -2; +delegation France")
    marie = roster.query(
        lambda s: s.exec(select(Participant).where(Participant.user_id == "U0FR00001")).one()
    )
    assert (marie.email, marie.language, marie.source) == (
        "marie.diallo@douane.example",
        "fr",
        "roster",
    )
    # Like a load, the import reads a new person's name and locale from Slack, once.
    assert (marie.profile_name, marie.locale) == ("Marie Diallo", "en-US")
    assert [c.params["user"] for c in standin.calls_to("users.info")][-1:] == ["U0FR00001"]


def test_import_export_import_changes_nothing_the_second_time(
    roster: Roster, standin: SlackStandIn
):
    standin.add_user("U0SN00001", real_name="Awa Ndiaye", locale="fr-FR")
    first = roster.write_csv(
        "first.csv",
        [
            *SMALL_ROSTER[:3],
            ["Sénégal", "member", "Awa Ndiaye", "", "U0SN00001", "fr"],
            ["Australia", "member", "", "", "U0AU00001", ""],
            ["Australia", "member", "", "", "U0AU00002", "en"],
            ["Maroc", "observer", "", "", "", ""],  # a delegation with no one yet
        ],
    )
    imported = roster("roster", "import", str(first))
    assert imported.code == 0, imported.err
    exported = roster.cwd / "exported.csv"
    assert roster("roster", "export", "--out", str(exported)).code == 0
    assert read_csv(exported)[1:] == [
        *SMALL_ROSTER[:3],
        ["Sénégal", "member", "Awa Ndiaye", "", "U0SN00001", "fr"],
        ["Australia", "member", "Alex Adler", "", "U0AU00001", ""],
        ["Australia", "member", "Maya Ito", "", "U0AU00002", "en"],
        ["Maroc", "observer", "", "", "", ""],
    ]
    before = roster.snapshot()
    again = roster("roster", "import", str(exported))
    assert again.code == 0, again.err
    assert "no changes" in again.out
    assert roster.snapshot() == before
    assert len(roster.audits()) == 1


def test_an_xlsx_roster_round_trips(roster: Roster):
    book_path = roster.cwd / "roster.xlsx"
    assert roster("roster", "export", "--out", str(book_path)).code == 0
    book = openpyxl.load_workbook(book_path)
    sheet = book.worksheets[0]
    assert [c.value for c in sheet[1]] == HEADER
    assert [c.value or "" for c in sheet[6]] == SMALL_ROSTER[4]
    before = roster.snapshot()
    same = roster("roster", "import", str(book_path))
    assert (same.code, "no changes" in same.out) == (0, True), same.err
    assert roster.snapshot() == before

    # Edited in a spreadsheet: headers in another case, a column added, a person added.
    sheet["A1"], sheet["E1"], sheet["G1"] = "Delegation", "Slack ID", "Notes"
    sheet.append(["Côte d'Ivoire", "member", "Amara Okafor", None, "U0CI00002", "fr", "new"])
    book.save(book_path)
    changed = roster("roster", "import", str(book_path))
    assert changed.code == 0, changed.err
    assert "  added U0CI00002 (Amara Okafor) as member of Côte d'Ivoire" in changed.out
    again_path = roster.cwd / "again.xlsx"
    assert roster("roster", "export", "--out", str(again_path)).code == 0
    before = roster.snapshot()
    again = roster("roster", "import", str(again_path))
    assert (again.code, "no changes" in again.out) == (0, True), again.err
    assert roster.snapshot() == before


def test_a_file_with_problems_lists_them_all_and_imports_nothing(roster: Roster):
    path = roster.write_csv(
        "bad.csv",
        [
            *SMALL_ROSTER[:4],
            ["Australia", "observer", "", "", "U0AU00002", ""],
            ["France", "member", "", "marie@douane", "", ""],
            ["France", "member", "", "", "U0AU00001", "de"],
        ],
    )
    before = roster.snapshot()
    result = roster("roster", "import", str(path))
    assert result.code == 1
    assert result.out == ""
    assert result.err.splitlines() == [
        "row 6, column kind: the same delegation is member at row 5; a delegation has one kind",
        "row 7, column email: not an e-mail address ('marie@douane')",
        "row 8, column slack_id: U0AU00001 is already listed at row 5; one row per person",
        "row 8, column language: 'de' is not a language of this meeting; expected en, fr, or empty",
        f"{path}: nothing was imported; fix the problems above.",
    ]
    assert roster.snapshot() == before


def test_a_missing_header_is_reported_on_row_1(roster: Roster):
    path = roster.write_csv("nokind.csv", [["Australia", "U0AU00001"]], ["Delegation", "Slack_id"])
    result = roster("roster", "import", str(path))
    assert result.code == 1
    assert result.err.splitlines()[0].startswith("row 1, column kind: missing header")


@pytest.mark.expect_refusals("users_not_found")
def test_an_email_slack_does_not_know_is_a_problem_or_with_allow_unresolved_pending(
    roster: Roster,
):
    rows = [*SMALL_ROSTER, ["France", "member", "Marie", "marie@douane.example", "", "fr"]]
    path = roster.write_csv("unknown.csv", rows)
    refused = roster("roster", "import", str(path))
    assert refused.code == 1
    assert refused.err.splitlines()[0] == (
        "row 9, column email: no Slack user has the e-mail marie@douane.example "
        "(users.lookupByEmail); give the slack_id, or import with --allow-unresolved to keep "
        "them pending"
    )
    assert (
        roster.query(lambda s: s.exec(select(func.count()).select_from(PendingPerson)).one()) == 0
    )

    kept = roster("roster", "import", str(path), "--allow-unresolved")
    assert kept.code == 0, kept.err
    assert (
        "  added marie@douane.example (pending: no Slack user has this e-mail yet) as member of "
        "France"
    ) in kept.out
    pending = roster.query(lambda s: s.exec(select(PendingPerson)).one())
    assert (pending.email, pending.name, pending.language, pending.active) == (
        "marie@douane.example",
        "Marie",
        "fr",
        True,
    )
    out = roster.cwd / "with-pending.csv"
    assert roster("roster", "export", "--out", str(out)).code == 0
    assert read_csv(out)[-1] == ["France", "member", "Marie", "marie@douane.example", "", "fr"]
    again = roster("roster", "import", str(out), "--allow-unresolved")
    assert (again.code, "no changes" in again.out) == (0, True), again.err


def test_export_refuses_another_extension_and_an_unknown_meeting(roster: Roster):
    odd = roster("roster", "export", "--out", str(roster.cwd / "roster.ods"))
    assert odd.code == 2
    assert "the roster is written as .csv or .xlsx" in odd.err
    assert not (roster.cwd / "roster.ods").exists()
    unknown = roster("roster", "export", "--meeting", "nope", "--out", "r.csv")
    assert unknown.code == 2
    assert unknown.err == "error: no meeting with key 'nope'; loaded: test-ptc\n"
    imported = roster("roster", "import", "r.csv", "--meeting", "nope")
    assert imported.code == 2 and "no meeting with key 'nope'" in imported.err
