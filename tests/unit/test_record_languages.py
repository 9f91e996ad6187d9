"""The summary record in each meeting language: French headings, labels, tables, charts, sheet
names and dates; the meeting file's texts in French where the file gives them; comments exactly
as written; the English record unchanged; the CSV the same in every language."""

import dataclasses
import json
from collections.abc import Callable
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import TypeVar

import openpyxl
import pytest

from bot.domain.group_record import ContributionEntry, GroupEntry, GroupMemberEntry
from bot.domain.record_rows import CommentRow
from bot.domain.record_texts import FileText, RecordTexts
from bot.domain.summary import RevisionEntry, SummaryRecord
from bot.record.charts import render_charts
from bot.record.csv import write_csv
from bot.record.export import write_all, write_record
from bot.record.html import render_html
from bot.record.languages import in_language, language_name, titled
from bot.record.markdown import md_quote, render_markdown
from bot.record.xlsx import COMMENT_COLUMNS, write_xlsx
from bot.views.i18n import speaking
from tests.unit.test_record_formats import ARABIC_CHINESE, TRICKY, WITHDRAWN, small_record

T = TypeVar("T")

# Written in French by a French-speaking delegation; it must come out exactly as written.
FRENCH_COMMENT = "Nous appuyons la proposition, sous réserve du paragraphe 3 {title} 100 %."
ENGLISH_HEADINGS = [
    "Summary record",
    "The meeting",
    "All times are in the meeting's time zone",
    "Comments by kind of participant",
    "Comments per item",
    "Withdrawn comments are counted apart",
    "Comments per meeting week",
    "Decisions",
    "Comment period",
    "Superseded decision",
    "Revised documents and final concerns",
    "What changed",
    "Final concerns",
    "Drafting groups",
    "Kept apart",
    "Annex: roster",
    "Registered participants",
    "Record generated",
    "(edited 2 times)",
    "[withdrawn]",
    "(reply in a thread)",
    "Took part",
    "by the chair",
    "published",
    "not created yet",
]


def at(month: int, day: int, hour: int = 10) -> datetime:
    return datetime(2020, month, day, hour, tzinfo=UTC)


def full_record() -> SummaryRecord:
    """The formats' small record with a French comment, a revised document with its final
    concerns, and a drafting group: every part of the record has words to translate."""
    record = small_record()
    item3 = record.items[0]
    french = dataclasses.replace(
        item3.comments[1], comment_id="C0PTC2020-fr", text=FRENCH_COMMENT, posted_at=at(5, 25, 12)
    )
    concern = dataclasses.replace(
        item3.comments[4], comment_id="C0PTC2020-concern", final_concern=True, text="Concern."
    )
    revision = RevisionEntry(
        code="PC0601E1/Rev.1",
        title="Disaster management (revised)",
        url="https://example.org/rev1.pdf",
        note="Paragraph 3 reworded.",
        published_by="U0SEC0001",
        published_at=at(5, 30),
        concerns_deadline_at=at(6, 3, 15),
    )
    item3 = dataclasses.replace(
        item3, comments=[*item3.comments, french, concern], revisions=[revision]
    )
    group = GroupEntry(
        name="Drafting group on item 3",
        item=3,
        item_title=item3.title,
        topic="paragraph 3",
        purpose="Agree on the wording.",
        channel="C0GROUP01",
        channel_name=None,
        created_by="U0SEC0001",
        created_at=at(5, 20),
        members=[
            GroupMemberEntry("U0AU00001", "Australia", "member", "Alex Adler"),
            GroupMemberEntry("U0CHAIR01", "Chair", "chair", ""),
        ],
        contributions=[
            ContributionEntry(
                "C0GROUP01-1",
                "U0AU00001",
                "Australia",
                "member",
                at(5, 21),
                True,
                "active",
                True,
                "Our wording, as agreed.",
                1,
                "Alex Adler",
            )
        ],
        kept_apart=[
            ContributionEntry(
                "C0GROUP01-2",
                "U0XX00001",
                "",
                "not registered",
                at(5, 22),
                False,
                "withdrawn",
                False,
                "A word from outside.",
                0,
            )
        ],
    )
    return dataclasses.replace(record, items=[item3, *record.items[1:]], groups=[group])


def texts() -> RecordTexts:
    """The meeting file's French texts: the title, item 3's title and proposal, its document;
    item 4 has none (the main language's text stands)."""
    return RecordTexts(
        languages=("en", "fr"),
        meeting=FileText(
            "Permanent Technical Committee <written> session",
            translations=json.dumps({"fr": {"title": "Comité technique permanent <écrit>"}}),
        ),
        items={
            3: FileText(
                "COVID-19: the WCO's role",
                "The PTC is invited to endorse the proposals.",
                json.dumps(
                    {
                        "fr": {
                            "title": "COVID-19 : le rôle de l'OMD",
                            "proposal": "Le CTP est invité à approuver les propositions.",
                        }
                    }
                ),
            ),
            4: FileText("Rules & <procedures>"),
        },
        documents={
            3: [
                (
                    "PC0601E1",
                    FileText(
                        "Disaster management",
                        translations=json.dumps({"fr": {"title": "Gestion des catastrophes"}}),
                    ),
                )
            ]
        },
    )


def in_french(render: Callable[[], T]) -> T:
    with speaking("fr"):
        return render()


def comment_texts(record: SummaryRecord) -> list[str]:
    return [c.text for item in record.items for c in item.comments]


# -- English stays exactly as it was ------------------------------------------------------------


def test_english_record_is_the_same_whether_or_not_english_is_asked_for() -> None:
    record = full_record()
    charts = render_charts(record)
    plain = (render_markdown(record), render_html(record, charts))
    with speaking("en"):
        english = in_language(record, texts())
        assert (render_markdown(english), render_html(english, render_charts(english))) == plain
    assert '<html lang="en">' in plain[1]


def test_english_keeps_its_dates_and_headings() -> None:
    md = render_markdown(full_record())
    assert "# Summary record: Permanent Technical Committee \\<written> session" in md
    assert "**Comment period:** 2020-05-15 09:00 CEST to 2020-05-29 17:00 CEST" in md
    assert "(edited 2 times)" in md and "## Annex: roster" in md


# -- French ---------------------------------------------------------------------------------------


def test_french_markdown_has_french_headings_labels_and_dates() -> None:
    md = in_french(lambda: render_markdown(in_language(full_record(), texts())))
    for french in [
        "# Compte rendu analytique : Comité technique permanent \\<écrit>",
        "## La réunion",
        "- **Clé :** ptc-2020",
        "Toutes les heures sont données dans le fuseau horaire de la réunion, Europe/Brussels.",
        "### Commentaires par catégorie de participant",
        "| Catégorie | Commentaires |",
        "| Membres | 4 |",
        "## Décisions",
        "## Point 3 : COVID-19 : le rôle de l'OMD",
        "**Proposition :** Le CTP est invité à approuver les propositions.",
        "[PC0601E1: Gestion des catastrophes]",
        "**Période de commentaires :** du 15 mai 2020 09:00 CEST au 29 mai 2020 17:00 CEST",
        "**Décision :** Approuvé par la présidence (U0CHAIR01), 30 mai 2020 12:00 CEST",
        "*Décision remplacée :*",
        "#### Australia (membre)",
        "#### ICC (observateur)",
        "#### Présidence",
        "(modifié 2 fois)",
        "en retard",
        "[retiré]",
        "### Documents révisés et dernières préoccupations",
        "publié le 30 mai 2020 12:00 CEST par U0SEC0001 ; dernières préoccupations jusqu'au "
        "3 juin 2020 17:00 CEST",
        "> Modifications : Paragraph 3 reworded.",
        "#### Dernières préoccupations",
        "## Groupes de rédaction",
        "- **Porte sur :** Point 3 : COVID-19 : le rôle de l'OMD (paragraph 3)",
        "- **Membres :** Alex Adler (Australia), U0CHAIR01 (Présidence)",
        "- **Canal :** pas encore créé (privé)",
        "(réponse dans un fil)",
        "#### Tenus à part : écrits par des personnes qui ne sont pas membres du groupe",
        "## Annexe : liste des participants",
        "| Présidence | présidence | U0CHAIR01 |  | oui |",
        "| China | membre | U0CN00001 |  | non |",
        "| Semaine 1 | 15 mai 2020 |",
        "## Point 4 : Rules & \\<procedures>",  # no French title given: the main language's
    ]:
        assert french in md, french
    for english in ENGLISH_HEADINGS:
        assert english not in md, english


def test_french_record_keeps_every_comment_exactly_as_written() -> None:
    record = full_record()
    english_md = render_markdown(record)
    french_md = in_french(lambda: render_markdown(in_language(record, texts())))
    for text in [*comment_texts(record), "Our wording, as agreed.", "A word from outside."]:
        for line in md_quote(text):
            assert line in english_md and line in french_md, line
    assert FRENCH_COMMENT in french_md  # braces and all: a comment is never a message
    # The decisions' texts are what the chair wrote: never translated either.
    assert "> Approved with the amendments of Australia." in french_md


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.chunks: list[str] = []
        self.alts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.chunks.append(data)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "img":
            self.alts.append(dict(attrs).get("alt") or "")


def test_french_html_has_french_words_its_language_and_the_comments_as_written() -> None:
    record = in_french(lambda: in_language(full_record(), texts()))
    page = in_french(lambda: render_html(record, in_french(lambda: render_charts(record))))
    assert page.startswith("<!DOCTYPE html>") and '<html lang="fr">' in page
    assert (
        "<title>Compte rendu analytique : Comité technique permanent &lt;écrit&gt;</title>" in page
    )
    assert "<h2>Point 3 : COVID-19 : le rôle de l&#x27;OMD</h2>" in page
    assert "<p><strong>Proposition :</strong> Le CTP est invité" in page
    assert '<a href="https://example.org/a.pdf">PC0601E1: Gestion des catastrophes</a>' in page
    assert "<h4>Australia (membre)</h4>" in page
    assert '<span class="tag">(modifié 2 fois)</span>' in page
    parsed = _Text()
    parsed.feed(page)
    text = "".join(parsed.chunks)
    for comment in [*comment_texts(record), "Our wording, as agreed."]:
        assert comment in text, comment
    assert TRICKY in text and ARABIC_CHINESE in text and WITHDRAWN in text
    for english in ENGLISH_HEADINGS:
        assert english not in text, english
    assert parsed.alts and all(alt.startswith("Diagramme en barres") for alt in parsed.alts)


def test_html_messages_escape_the_values_they_are_given() -> None:
    hostile = dataclasses.replace(full_record(), title="<script>x</script> & 'co'")
    for language in ("en", "fr"):
        with speaking(language):
            page = render_html(hostile, {})
        assert "<script>x" not in page
        assert "&lt;script&gt;x&lt;/script&gt; &amp; &#x27;co&#x27;" in page


def test_french_xlsx_names_its_sheets_and_tables_in_french_and_keeps_the_data(
    tmp_path: Path,
) -> None:
    record = full_record()
    write_xlsx(record, tmp_path / "en.xlsx")
    with speaking("fr"):
        write_xlsx(in_language(record, texts()), tmp_path / "fr.xlsx")
    english = openpyxl.load_workbook(tmp_path / "en.xlsx")
    french = openpyxl.load_workbook(tmp_path / "fr.xlsx")
    assert english.sheetnames == [
        "Comments",
        "Figures",
        "Roster",
        "Revised documents",
        "Drafting groups",
    ]
    assert french.sheetnames == [
        "Commentaires",
        "Chiffres",
        "Liste des participants",
        "Documents révisés",
        "Groupes de rédaction",
    ]
    # The comments and the group messages are the data: the CSV's columns and stored values.
    for sheet in (0, 4):
        rows_en = list(english.worksheets[sheet].iter_rows(values_only=True))
        rows_fr = list(french.worksheets[sheet].iter_rows(values_only=True))
        assert rows_fr == rows_en
    assert [c.value for c in french.worksheets[0][1]] == COMMENT_COLUMNS
    figures = french["Chiffres"]
    assert figures["A1"].value == "Compte rendu analytique : Comité technique permanent <écrit>"
    labels = [row[0] for row in figures.iter_rows(values_only=True) if row[0]]
    for label in [
        "Réunion",
        "Participants inscrits",
        "Commentaires par catégorie",
        "Commentaires par semaine",
        "Délégations ayant pris part",
        "Décisions",
    ]:
        assert label in labels, label
    decided = [row for row in figures.iter_rows(values_only=True) if row[6] == "remplacée"]
    assert decided and decided[0][2] == "Approuvé"
    roster = list(french["Liste des participants"].iter_rows(values_only=True))
    assert roster[0] == ("Délégation", "Catégorie", "Utilisateur", "Courriel", "A pris part", "Nom")
    assert ("Présidence", "présidence", "U0CHAIR01", None, True, None) in roster
    revised = list(french["Documents révisés"].iter_rows(values_only=True))
    assert revised[0][0] == "Point" and revised[1][4] == "30 mai 2020 12:00 CEST"


def test_french_charts_are_drawn_anew_at_the_same_size() -> None:
    record = full_record()
    english = render_charts(record)
    french = in_french(lambda: render_charts(record))
    assert set(french) == set(english)
    for name in english:
        assert french[name] != english[name]
        assert french[name][16:24] == english[name][16:24]  # the PNG's width and height


def test_write_all_and_write_record_write_the_language_they_are_asked_for(tmp_path: Path) -> None:
    with speaking("fr"):
        paths = write_all(full_record(), tmp_path, "record-fr", texts=texts())
        write_record(full_record(), "md", tmp_path / "one.md", texts=texts())
    md = paths["md"].read_text(encoding="utf-8")
    assert md == (tmp_path / "one.md").read_text(encoding="utf-8")
    assert md.startswith("# Compte rendu analytique : Comité technique permanent")


def test_csv_is_the_same_whatever_the_language(tmp_path: Path) -> None:
    rows = [
        CommentRow(
            item=3,
            comment_id="C1-1",
            delegation="Chair",
            delegation_kind="chair",
            user="U0CHAIR01",
            role="chair",
            posted_at="2020-05-18T08:15:00+00:00",
            status="withdrawn",
            late=True,
            text=FRENCH_COMMENT,
            revisions=1,
            kind="support",
            phase="final_concerns",
            author="Ravi Kaur",
        )
    ]
    write_csv(rows, tmp_path / "en.csv")
    with speaking("fr"):
        write_csv(rows, tmp_path / "fr.csv")
    assert (tmp_path / "fr.csv").read_bytes() == (tmp_path / "en.csv").read_bytes()


def test_in_language_changes_only_the_meeting_file_texts() -> None:
    record = full_record()
    assert in_language(record, None) is record
    with speaking("fr"):
        french = in_language(record, texts())
    assert french.title == "Comité technique permanent <écrit>"
    assert [i.title for i in french.items] == [
        "COVID-19 : le rôle de l'OMD",
        "Rules & <procedures>",
        "Other business",
    ]
    assert french.items[0].documents[0].title == "Gestion des catastrophes"
    assert french.groups[0].item_title == "COVID-19 : le rôle de l'OMD"
    assert comment_texts(french) == comment_texts(record)
    assert french.items[0].revisions == record.items[0].revisions


@pytest.mark.parametrize(("language", "name"), [("en", "English"), ("fr", "français")])
def test_a_file_title_says_its_language(language: str, name: str) -> None:
    assert language_name(language) == name
    assert titled("PTC: summary record", language) == f"PTC: summary record ({name})"


def test_record_documents_give_each_language_its_files_and_charts_their_language() -> None:
    from bot.clock.session_end import chart_files, record_documents

    files = record_documents(full_record(), texts())
    assert [name for name, _, _ in files] == [
        "ptc-2020-record-en.html",
        "ptc-2020-record-en.xlsx",
        "ptc-2020-record-fr.html",
        "ptc-2020-record-fr.xlsx",
    ]
    titles = [title for _, _, title in files]
    assert titles[0] == "Permanent Technical Committee <written> session: summary record (English)"
    for title in titles[2:]:  # in French, and saying so
        assert title.startswith("Comité technique permanent <écrit>")
        assert title.endswith(" (français)")
    assert b'<html lang="fr">' in files[2][1]
    one = dataclasses.replace(texts(), languages=("en",))
    assert [f[0] for f in record_documents(full_record(), one)] == [
        "ptc-2020-record.html",
        "ptc-2020-record.xlsx",
    ]
    with speaking("fr"):
        charts = chart_files(full_record(), texts(), suffix=True)
    assert [(name, title) for name, _, title in charts] == [
        ("comments-per-week-fr.png", "comments-per-week-fr"),
        ("comments-per-item-fr.png", "comments-per-item-fr"),
    ]
    assert [name for name, _, _ in chart_files(full_record())] == [
        "comments-per-week.png",
        "comments-per-item.png",
    ]
