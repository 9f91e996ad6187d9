"""`python -m bot export --lang LANG`: the record in one of the meeting's languages (the main one
by default); a language the meeting is not held in is refused, naming its languages; the CSV is
the same in every language."""

import json
from datetime import UTC, datetime
from pathlib import Path

import openpyxl
import pytest
from sqlmodel import select

from bot.cli import main
from bot.core.clock import datetime_to_ts
from bot.core.db import session_scope
from models import AgendaItem, Meeting
from tests.conftest import Bot
from tests.conftest import Meeting as Posted

FRENCH_TITLE = "Comité de test, session écrite"
FRENCH_ITEM = "COVID-19 : le rôle de l'OMD dans le cycle de gestion des catastrophes"
COMMENTS = [
    ("U0AU00001", "Australia supports the proposal."),
    ("U0CI00001", "La Côte d'Ivoire appuie la proposition {title}."),
]


@pytest.fixture
def exported(bot: Bot, meeting: Posted, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The small meeting with two comments, held in English and French (the file's French
    texts for the title and item 3); the command line pointed at its database."""
    for minute, (user, text) in enumerate(COMMENTS):
        delivery = bot.sender.reply(
            channel=meeting.channel,
            user=user,
            text=text,
            thread_ts=meeting.roots[3],
            ts=datetime_to_ts(datetime(2020, 7, 6, 10, minute, tzinfo=UTC)),
        )
        assert delivery.status == 200
    bot.settle()
    languages("en,fr", bot)
    monkeypatch.chdir(tmp_path)  # no stray .env
    monkeypatch.setenv("DATABASE_URL", bot.settings.database_url)
    return tmp_path


def languages(held_in: str, bot: Bot) -> None:
    with session_scope(bot.database.engine) as session:
        meeting = session.exec(select(Meeting)).one()
        meeting.languages = held_in
        meeting.translations = json.dumps({"fr": {"title": FRENCH_TITLE}})
        item = session.exec(select(AgendaItem).where(AgendaItem.number == 3)).one()
        item.translations = json.dumps({"fr": {"title": FRENCH_ITEM}})
        session.add_all([meeting, item])


def export(out: Path, fmt: str, *lang: str) -> str:
    assert main(["export", "--format", fmt, "--out", str(out), *lang]) == 0
    return out.read_text(encoding="utf-8") if fmt in ("md", "html", "csv") else ""


def test_export_in_french_writes_french_headings_and_keeps_the_comments(exported: Path):
    md = export(exported / "fr.md", "md", "--lang", "fr")
    assert md.startswith(f"# Compte rendu analytique : {FRENCH_TITLE}\n")
    for french in ("## La réunion", f"## Point 3 : {FRENCH_ITEM}", "## Annexe : liste des"):
        assert french in md, french
    assert "## The meeting" not in md and "Comment period" not in md
    html = export(exported / "fr.html", "html", "--lang", "fr")
    assert '<html lang="fr">' in html and "<h2>Décisions</h2>" in html
    for _, text in COMMENTS:
        assert f"> {text}" in md
        assert text.replace("'", "&#x27;") in html
    export(exported / "fr.xlsx", "xlsx", "--lang", "fr")
    book = openpyxl.load_workbook(exported / "fr.xlsx")
    assert book.sheetnames[:2] == ["Commentaires", "Chiffres"]
    assert book["Chiffres"]["A1"].value == f"Compte rendu analytique : {FRENCH_TITLE}"
    texts = [row[9] for row in book["Commentaires"].iter_rows(min_row=2, values_only=True)]
    assert sorted(texts) == sorted(text for _, text in COMMENTS)


def test_export_without_lang_is_in_the_main_language(
    exported: Path, bot: Bot, capsys: pytest.CaptureFixture[str]
):
    default = export(exported / "default.md", "md")
    assert default == export(exported / "en.md", "md", "--lang", "en")
    assert default.startswith("# Summary record: Test Committee, written session\n")
    assert "test-ptc: wrote the summary record (2 comments, 0 withdrawn)" in capsys.readouterr().out
    languages("fr,en", bot)  # French first: the main language
    assert export(exported / "main-fr.md", "md") == export(exported / "fr.md", "md", "--lang", "fr")


def test_csv_is_the_same_in_every_language(exported: Path):
    english = export(exported / "en.csv", "csv", "--lang", "en")
    assert export(exported / "fr.csv", "csv", "--lang", "fr") == english
    assert export(exported / "default.csv", "csv") == english
    assert english.splitlines()[0].startswith("item,comment_id,delegation,delegation_kind,")
    assert ",member," in english  # stored values, not labels


@pytest.mark.parametrize("fmt", ["csv", "md", "html", "xlsx"])
def test_a_language_the_meeting_is_not_held_in_is_refused_naming_its_languages(
    exported: Path, fmt: str, capsys: pytest.CaptureFixture[str]
):
    out = exported / f"de.{fmt}"
    assert main(["export", "--format", fmt, "--out", str(out), "--lang", "de"]) == 2
    error = capsys.readouterr().err
    assert "--lang de" in error and "en, fr" in error and "test-ptc" in error
    assert not out.exists()


def test_help_says_the_csv_is_the_same_in_every_language(capsys: pytest.CaptureFixture[str]):
    with pytest.raises(SystemExit):
        main(["export", "--help"])
    assert "the CSV is the same in every language" in " ".join(capsys.readouterr().out.split())
