"""The summary record's writers and charts: known records in, exact figures out.

Records are built by hand, so these tests pin the formats, not the database queries.  HTML is
parsed back with the standard library, the workbook is read back with openpyxl and the charts'
PNG headers are read byte by byte.
"""

import base64
import dataclasses
import struct
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl
import pytest

from bot.domain.summary import (
    CommentEntry,
    DecisionEntry,
    DocumentEntry,
    ItemEntry,
    RosterEntry,
    SummaryFigures,
    SummaryRecord,
)
from bot.record.charts import (
    HEIGHT_PX,
    WIDTH_PX,
    comments_per_item_chart,
    comments_per_week_chart,
    render_charts,
)
from bot.record.export import write_all
from bot.record.html import render_html, write_html
from bot.record.markdown import render_markdown, write_markdown
from bot.record.xlsx import write_xlsx
from bot.record.xlsx_stream import StreamedWorkbook

CONTRACT_COLUMNS = [
    "item",
    "comment_id",
    "delegation",
    "delegation_kind",
    "user",
    "role",
    "posted_at",
    "status",
    "late",
    "text",
    "revisions",
]
TRICKY = "=SUM(A1:A2) & <b>ünïcode</b> 👍\nline 2"
ARABIC_CHINESE = "مرحبا 你好 & thanks"
WITHDRAWN = "We object <strongly>"
BRUSSELS = ZoneInfo("Europe/Brussels")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def utc(month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(2020, month, day, hour, minute, tzinfo=UTC)


def comment(
    n: int,
    item: int,
    delegation: str,
    kind: str,
    user: str,
    posted_at: datetime,
    text: str,
    *,
    status: str = "active",
    late: bool = False,
    revisions: int = 0,
) -> CommentEntry:
    return CommentEntry(
        comment_id=f"C0PTC2020-1589{n:06d}.000100",
        item=item,
        delegation=delegation,
        kind=kind,
        user=user,
        posted_at=posted_at,
        status=status,
        late=late,
        text=text,
        revisions=revisions,
    )


def small_record() -> SummaryRecord:
    """Three items: 3 with every kind of comment (one withdrawn, one edited), 4 with a late one,
    5 with none; item 3 decided by the chair twice (the first superseded), item 4 by silence."""
    item3 = [
        comment(1, 3, "Australia", "member", "U0AU00001", utc(5, 18, 8, 15), TRICKY, revisions=2),
        comment(2, 3, "Australia", "member", "U0AU00001", utc(5, 25, 9), "+1 support"),
        comment(3, 3, "Brazil", "member", "U0BR00001", utc(5, 19), WITHDRAWN, status="withdrawn"),
        comment(4, 3, "Brazil", "member", "U0BR00001", utc(5, 20), "-"),
        comment(5, 3, "ICC", "observer", "U0ICC0001", utc(5, 21), ARABIC_CHINESE),
        comment(6, 3, "Chair", "chair", "U0CHAIR01", utc(5, 26), "Thank you all."),
        comment(7, 3, "Secretariat", "secretariat", "U0SEC0001", utc(5, 27), "#N/A"),
    ]
    item4 = [
        comment(
            8, 4, "Australia", "member", "U0AU00001", utc(5, 30), "Late | but relevant.", late=True
        ),
        comment(9, 4, "ICC", "observer", "U0ICC0001", utc(5, 28), "Observer view on 4"),
    ]
    first = DecisionEntry(
        3,
        "approved",
        "Approved as proposed.",
        "chair",
        "U0CHAIR01",
        utc(5, 29, 15),
        superseded=True,
    )
    second = DecisionEntry(
        3,
        "approved",
        "Approved with the amendments of Australia.",
        "chair",
        "U0CHAIR01",
        utc(5, 30, 10),
        superseded=False,
    )
    silence = DecisionEntry(
        4, "approved", "Endorsed.", "silence", "U0CHAIR01", utc(6, 5, 15), superseded=False
    )
    items = [
        ItemEntry(
            number=3,
            title="COVID-19: the WCO's role",
            proposal="The PTC is invited to endorse the proposals.",
            documents=[
                DocumentEntry("PC0601E1", "Disaster management", "https://example.org/a.pdf")
            ],
            opens_at=utc(5, 15, 7),
            deadline_at=utc(5, 29, 15),
            decision=second,
            history=[first, second],
            comments=item3,
            counts={"member": 3, "observer": 1, "chair": 1, "secretariat": 1},
            withdrawn=1,
        ),
        ItemEntry(
            number=4,
            title="Rules & <procedures>",
            proposal="",
            documents=[DocumentEntry("PC0602E1", "Bad link", "javascript:alert(1)")],
            opens_at=utc(5, 22, 7),
            deadline_at=utc(6, 5, 15),
            decision=silence,
            history=[silence],
            comments=item4,
            counts={"member": 1, "observer": 1, "chair": 0, "secretariat": 0},
            withdrawn=0,
        ),
        ItemEntry(
            number=5,
            title="Other business",
            proposal="",
            documents=[],
            opens_at=utc(5, 29, 7),
            deadline_at=utc(6, 5, 15),
            decision=None,
            history=[],
            comments=[],
            counts={"member": 0, "observer": 0, "chair": 0, "secretariat": 0},
            withdrawn=0,
        ),
    ]
    figures = SummaryFigures(
        registered=6,
        took_part=5,
        member_delegations=3,
        observer_delegations=1,
        members_taking_part=["Australia", "Brazil"],
        observers_taking_part=["ICC"],
        comments=8,
        withdrawn=1,
        edited=1,
        late=1,
        kept_aside=2,
        by_kind={"member": 4, "observer": 2, "chair": 1, "secretariat": 1},
        by_item={
            3: {"member": 3, "observer": 1, "chair": 1, "secretariat": 1},
            4: {"member": 1, "observer": 1, "chair": 0, "secretariat": 0},
            5: {"member": 0, "observer": 0, "chair": 0, "secretariat": 0},
        },
        by_week={
            1: {"member": 2, "observer": 1, "chair": 0, "secretariat": 0},
            2: {"member": 1, "observer": 1, "chair": 1, "secretariat": 1},
            3: {"member": 1, "observer": 0, "chair": 0, "secretariat": 0},
        },
    )
    roster = [
        RosterEntry("Australia", "member", "U0AU00001", "jane.doe@customs.example", True),
        RosterEntry("Brazil", "member", "U0BR00001", None, True),
        RosterEntry("China", "member", "U0CN00001", None, False),
        RosterEntry("ICC", "observer", "U0ICC0001", None, True),
        RosterEntry("Chair", "chair", "U0CHAIR01", None, True),
        RosterEntry("Secretariat", "secretariat", "U0SEC0001", None, True),
    ]
    return SummaryRecord(
        key="ptc-2020",
        title="Permanent Technical Committee <written> session",
        channel="C0PTC2020",
        timezone="Europe/Brussels",
        chair=["U0CHAIR01"],
        secretariat=["U0SEC0001"],
        first_opening=utc(5, 15, 7),
        last_deadline=utc(6, 5, 15),
        closed_at=None,
        generated_at=utc(6, 6, 8),
        figures=figures,
        items=items,
        roster=roster,
        week_starts={w: datetime(2020, 5, 8 + 7 * w, tzinfo=BRUSSELS) for w in (1, 2, 3)},
    )


def empty_record() -> SummaryRecord:
    zero = {"member": 0, "observer": 0, "chair": 0, "secretariat": 0}
    item = ItemEntry(1, "Opening", "", [], None, None, None, [], [], dict(zero), 0)
    figures = SummaryFigures(
        registered=2,
        took_part=0,
        member_delegations=1,
        observer_delegations=0,
        members_taking_part=[],
        observers_taking_part=[],
        comments=0,
        withdrawn=0,
        edited=0,
        late=0,
        kept_aside=0,
        by_kind=dict(zero),
        by_item={1: dict(zero)},
        by_week={},
    )
    return SummaryRecord(
        key="empty",
        title="Empty session",
        channel="C0EMPTY01",
        timezone="Asia/Tokyo",
        chair=["U0CHAIR01"],
        secretariat=[],
        first_opening=None,
        last_deadline=None,
        closed_at=None,
        generated_at=utc(6, 6, 8),
        figures=figures,
        items=[item],
        roster=[
            RosterEntry("Australia", "member", "U0AU00001", None, False),
            RosterEntry("Chair", "chair", "U0CHAIR01", None, False),
        ],
    )


# -- reading things back ----------------------------------------------------------------------


class Node:
    def __init__(self, tag: str, attrs: dict[str, str]) -> None:
        self.tag, self.attrs = tag, attrs
        self.children: list[Node | str] = []

    @property
    def classes(self) -> set[str]:
        return set(self.attrs.get("class", "").split())

    def text(self) -> str:
        return "".join(c if isinstance(c, str) else c.text() for c in self.children)

    def walk(self) -> list["Node"]:
        found = [self]
        for child in self.children:
            if isinstance(child, Node):
                found += child.walk()
        return found

    def find_all(self, tag: str, css_class: str | None = None) -> list["Node"]:
        return [
            n for n in self.walk() if n.tag == tag and (css_class is None or css_class in n.classes)
        ]


class TreeBuilder(HTMLParser):
    VOID = {"meta", "img", "br", "hr", "link", "input"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#root", {})
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, {k: v or "" for k, v in attrs})
        self.stack[-1].children.append(node)
        if tag not in self.VOID:
            self.stack.append(node)

    def handle_endtag(self, tag: str) -> None:
        assert self.stack[-1].tag == tag, f"</{tag}> closes <{self.stack[-1].tag}>"
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


def parse_html(path: Path) -> Node:
    builder = TreeBuilder()
    builder.feed(path.read_text(encoding="utf-8"))
    builder.close()
    assert builder.stack == [builder.root], "every element is closed"
    return builder.root


def table(root: Node, table_id: str) -> list[list[str]]:
    (found,) = [t for t in root.find_all("table") if t.attrs.get("id") == table_id]
    return [
        [cell.text() for cell in row.walk()[1:] if cell.tag in ("td", "th")]
        for row in found.find_all("tr")
    ]


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == PNG_SIGNATURE
    length, chunk = struct.unpack(">I4s", data[8:16])
    assert (length, chunk) == (13, b"IHDR")
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def figures_table(sheet: object, title: str) -> list[list[object]]:
    """The rows of one titled table in the Figures sheet, header included, to the blank row;
    empty cells read back as None, trailing ones dropped."""
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]  # type: ignore[attr-defined]
    start = next(i for i, r in enumerate(rows) if r[0] == title) + 1
    blank = (i for i in range(start, len(rows)) if all(v is None for v in rows[i]))
    end = next(blank, len(rows))
    table = []
    for row in rows[start:end]:
        while row and row[-1] is None:
            row.pop()
        table.append(row)
    return table


@pytest.fixture
def written(tmp_path: Path) -> dict[str, Path]:
    return write_all(small_record(), tmp_path / "out", "ptc-2020-record")


def test_markdown_and_html_are_written_as_they_render_byte_for_byte(tmp_path: Path) -> None:
    """Written piece by piece as the template renders (bot/record/files.py), the files are
    exactly the rendered text, in UTF-8 with Unix line ends."""
    record = small_record()
    charts = render_charts(record)
    write_markdown(record, tmp_path / "r.md")
    write_html(record, tmp_path / "r.html", charts)
    assert (tmp_path / "r.md").read_bytes() == render_markdown(record).encode("utf-8")
    assert (tmp_path / "r.html").read_bytes() == render_html(record, charts).encode("utf-8")
    assert list(tmp_path.iterdir()) and not list(tmp_path.glob(".*.tmp"))  # no temp left


# -- HTML ---------------------------------------------------------------------------------------


def test_html_tables_give_exact_figures_per_kind_item_and_week(written: dict[str, Path]) -> None:
    root = parse_html(written["html"])
    assert table(root, "by-kind") == [
        ["Kind", "Comments"],
        ["Members", "4"],
        ["Observers", "2"],
        ["Chair", "1"],
        ["Secretariat", "1"],
        ["Total", "8"],
    ]
    assert table(root, "by-item") == [
        ["Item", "Title", "Members", "Observers", "Chair", "Secretariat", "Total", "Withdrawn"],
        ["3", "COVID-19: the WCO's role", "3", "1", "1", "1", "6", "1"],
        ["4", "Rules & <procedures>", "1", "1", "0", "0", "2", "0"],
        ["5", "Other business", "0", "0", "0", "0", "0", "0"],
        ["Total", "", "4", "2", "1", "1", "8", "1"],
    ]
    assert table(root, "by-week") == [
        ["Week", "Starts", "Members", "Observers", "Chair", "Secretariat", "Total"],
        ["Week 1", "2020-05-15", "2", "1", "0", "0", "3"],
        ["Week 2", "2020-05-22", "1", "1", "1", "1", "4"],
        ["Week 3", "2020-05-29", "1", "0", "0", "0", "1"],
        ["Total", "", "4", "2", "1", "1", "8"],
    ]


def test_html_states_facts_participation_and_roster(written: dict[str, Path]) -> None:
    root = parse_html(written["html"])
    (title,) = root.find_all("title")
    assert title.text() == "Summary record: Permanent Technical Committee <written> session"
    (html_tag,) = root.find_all("html")
    assert html_tag.attrs["lang"] == "en"
    assert any(m.attrs.get("charset") == "utf-8" for m in root.find_all("meta"))
    labels, values = root.find_all("dt"), root.find_all("dd")
    facts = {k.text(): v.text() for k, v in zip(labels, values, strict=True)}
    assert facts["Dates"] == "2020-05-15 09:00 CEST to 2020-06-05 17:00 CEST (Europe/Brussels)"
    assert facts["Chair"] == "U0CHAIR01"
    assert facts["Secretariat"] == "U0SEC0001"
    assert facts["Channel"] == "C0PTC2020"
    assert facts["Registered participants"] == "6"
    assert facts["Participants who took part"] == "5"
    assert facts["Member delegations that took part"] == "2 of 3: Australia, Brazil"
    assert facts["Observer delegations that took part"] == "1 of 1: ICC"
    assert facts["Delegations that took part, in all"] == "3"
    assert facts["Withdrawn comments (counted apart)"] == "1"
    assert facts["Edited comments"] == "1"
    assert facts["Late comments"] == "1"
    assert facts["Replies kept aside (not on the roster)"] == "2"
    roster = table(root, "roster")
    assert roster[0] == ["Delegation", "Kind", "Name", "E-mail", "Took part"]
    assert roster[1] == ["Australia", "member", "U0AU00001", "jane.doe@customs.example", "yes"]
    assert roster[3] == ["China", "member", "U0CN00001", "", "no"]


def test_html_decisions_give_procedure_time_and_superseded(written: dict[str, Path]) -> None:
    root = parse_html(written["html"])
    assert table(root, "decisions")[1:] == [
        ["3", "COVID-19: the WCO's role", "Approved", "by the chair", "2020-05-30 12:00 CEST"],
        [
            "4",
            "Rules & <procedures>",
            "Approved",
            "adopted by silence procedure",
            "2020-06-05 17:00 CEST",
        ],
    ]
    sections = {s.attrs["id"]: s for s in root.find_all("section", "item")}
    assert list(sections) == ["item-3", "item-4", "item-5"]
    (in_force,) = sections["item-3"].find_all("div", "decision")
    assert "by the chair (U0CHAIR01), 2020-05-30 12:00 CEST" in in_force.text()
    assert "Approved with the amendments of Australia." in in_force.text()
    (old,) = sections["item-3"].find_all("div", "superseded")
    assert "Superseded decision" in old.text() and "Approved as proposed." in old.text()
    assert (
        "adopted by silence procedure" in sections["item-4"].find_all("div", "decision")[0].text()
    )
    assert "No decision recorded." in sections["item-5"].text()
    assert "No comments on this item." in sections["item-5"].text()


def test_html_comments_grouped_by_delegation_with_text_round_tripped(
    written: dict[str, Path],
) -> None:
    root = parse_html(written["html"])
    item3 = next(s for s in root.find_all("section", "item") if s.attrs["id"] == "item-3")
    headings = [h.text() for h in item3.find_all("h4")]
    assert headings == [
        "Australia (member)",
        "Brazil (member)",
        "ICC (observer)",
        "Chair",
        "Secretariat",
    ]
    texts = [c.find_all("div", "text")[0].text() for c in item3.find_all("div", "comment")]
    assert texts == [TRICKY, "+1 support", WITHDRAWN, "-", ARABIC_CHINESE, "Thank you all.", "#N/A"]
    first = item3.find_all("div", "comment")[0]
    assert "U0AU00001" in first.text()
    assert "2020-05-18 10:15 CEST" in first.text()
    assert "(edited 2 times)" in first.text()
    raw = written["html"].read_text(encoding="utf-8")
    assert "&lt;b&gt;ünïcode&lt;/b&gt; 👍\nline 2" in raw
    assert "<b>ünïcode" not in raw and "<procedures>" not in raw and "<strongly>" not in raw
    item4 = next(s for s in root.find_all("section", "item") if s.attrs["id"] == "item-4")
    late = item4.find_all("div", "comment")[0]
    assert [t.text() for t in late.find_all("span", "tag")] == ["late"]


def test_withdrawn_comment_is_marked_where_it_stands_and_not_counted(
    written: dict[str, Path],
) -> None:
    root = parse_html(written["html"])
    (withdrawn,) = root.find_all("div", "withdrawn")
    assert "[withdrawn]" in [t.text() for t in withdrawn.find_all("span", "tag")]
    (struck,) = withdrawn.find_all("del")
    assert struck.text() == WITHDRAWN
    brazil = [c for c in root.find_all("div", "comment") if "U0BR00001" in c.text()]
    assert [("withdrawn" in c.classes) for c in brazil] == [True, False]
    assert table(root, "by-kind")[-1] == ["Total", "8"]  # 9 comments written, 1 withdrawn


def test_html_is_self_contained_with_charts_as_png_data(written: dict[str, Path]) -> None:
    raw = written["html"].read_text(encoding="utf-8")
    assert 'src="http' not in raw and "<link" not in raw and "<script" not in raw
    assert "@import" not in raw and "url(" not in raw
    assert "@media print" in raw and "page-break-before: always" in raw
    images = parse_html(written["html"]).find_all("img")
    assert len(images) == 2
    for image in images:
        assert image.attrs["alt"]
        prefix = "data:image/png;base64,"
        assert image.attrs["src"].startswith(prefix)
        png = base64.b64decode(image.attrs["src"][len(prefix) :], validate=True)
        assert png_size(png) == (WIDTH_PX, HEIGHT_PX)


def test_html_links_documents_but_not_scripts(written: dict[str, Path]) -> None:
    root = parse_html(written["html"])
    hrefs = [a.attrs["href"] for a in root.find_all("a")]
    assert hrefs == ["https://example.org/a.pdf"]
    assert "PC0602E1: Bad link (javascript:alert(1))" in root.text()


# -- XLSX ---------------------------------------------------------------------------------------


def test_xlsx_comments_sheet_has_contract_columns_and_every_comment(
    written: dict[str, Path],
) -> None:
    workbook = openpyxl.load_workbook(written["xlsx"])
    assert workbook.sheetnames == ["Comments", "Figures", "Roster", "Revised documents"]
    sheet = workbook["Comments"]
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert rows[0] == [*CONTRACT_COLUMNS, "kind", "phase", "author"]  # as in the CSV
    assert len(rows) == 1 + 9  # withdrawn included
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:N10"
    assert sheet["A1"].font.b
    assert rows[1] == [
        3,
        "C0PTC2020-1589000001.000100",
        "Australia",
        "member",
        "U0AU00001",
        "member",
        "2020-05-18T08:15:00+00:00",
        "active",
        False,
        TRICKY,
        2,
        None,  # not classified
        "comments",  # not a final concern
        "U0AU00001",  # the author: by user id, as no name is known
    ]
    assert [r[7] for r in rows[1:]].count("withdrawn") == 1
    assert next(r for r in rows[1:] if r[7] == "withdrawn")[9] == WITHDRAWN
    assert [r[8] for r in rows[1:]].count(True) == 1


@pytest.mark.parametrize("text", [TRICKY, "+1 support", "-", "#N/A"])
def test_xlsx_comment_text_is_never_a_formula(written: dict[str, Path], text: str) -> None:
    sheet = openpyxl.load_workbook(written["xlsx"])["Comments"]
    (cell,) = [row[9] for row in sheet.iter_rows(min_row=2) if row[9].value == text]
    assert cell.data_type == "s"
    assert cell.value == text


def test_xlsx_figures_sheet_totals(written: dict[str, Path]) -> None:
    sheet = openpyxl.load_workbook(written["xlsx"])["Figures"]
    assert figures_table(sheet, "Comments by kind") == [
        ["Kind", "Comments"],
        ["Members", 4],
        ["Observers", 2],
        ["Chair", 1],
        ["Secretariat", 1],
        ["Total", 8],
    ]
    facts = {r[0]: r[1] for r in sheet.iter_rows(values_only=True) if r[0]}
    assert facts["Registered participants"] == 6
    assert facts["Withdrawn comments (counted apart)"] == 1
    assert facts["Replies kept aside (not on the roster)"] == 2
    per_item = figures_table(sheet, "Comments per item")
    assert per_item[1] == [3, "COVID-19: the WCO's role", 3, 1, 1, 1, 6, 1]
    assert per_item[-1] == ["Total", None, 4, 2, 1, 1, 8, 1]
    per_week = figures_table(sheet, "Comments per week")
    assert [r[-1] for r in per_week[1:]] == [3, 4, 1, 8]
    assert figures_table(sheet, "Delegations that took part") == [
        ["Delegation", "Kind"],
        ["Australia", "member"],
        ["Brazil", "member"],
        ["ICC", "observer"],
        ["Total", 3],
    ]
    decisions = figures_table(sheet, "Decisions")
    assert [(r[0], r[3], r[6]) for r in decisions[1:]] == [
        (3, "by the chair", "superseded"),
        (3, "by the chair", "in force"),
        (4, "adopted by silence procedure", "in force"),
    ]


def test_xlsx_keeps_texts_excel_cannot_hold_readable(tmp_path: Path) -> None:
    """Slack allows 40,000 characters and control characters; an Excel cell does not."""
    record = small_record()
    first = record.items[0]
    long_text = "👍" * 20_000  # 40,000 UTF-16 units
    comments = [
        dataclasses.replace(first.comments[0], text="tab\x0bvertical"),
        dataclasses.replace(first.comments[1], text=long_text),
    ]
    items = [dataclasses.replace(first, comments=comments), *record.items[1:]]
    write_xlsx(dataclasses.replace(record, items=items), tmp_path / "rec.xlsx")
    sheet = openpyxl.load_workbook(tmp_path / "rec.xlsx")["Comments"]
    assert sheet["J2"].value == "tab\ufffdvertical"
    cut = sheet["J3"].value
    assert len(cut.encode("utf-16-le")) // 2 <= 32_767
    assert cut.startswith("👍" * 16_000)
    assert cut.endswith("the full text is in the CSV and HTML record]")


# -- Markdown -----------------------------------------------------------------------------------


def test_markdown_has_tables_and_quoted_multiline_comments(written: dict[str, Path]) -> None:
    text = written["md"].read_text(encoding="utf-8")
    # Angle brackets are backslash-escaped: rendered, the text reads as typed, never as HTML.
    assert text.startswith("# Summary record: Permanent Technical Committee \\<written> session\n")
    assert "| Members | 4 |" in text
    assert "| **Total** | **8** |" in text
    assert "| 3 | COVID-19: the WCO's role | 3 | 1 | 1 | 1 | 6 | 1 |" in text
    assert "| **Total** |  | **4** | **2** | **1** | **1** | **8** | **1** |" in text
    assert "| Week 2 | 2020-05-22 | 1 | 1 | 1 | 1 | 4 |" in text
    assert "> =SUM(A1:A2) & \\<b>ünïcode\\</b> 👍  \n> line 2\n" in text
    assert "**U0AU00001**, 2020-05-18 10:15 CEST (edited 2 times)" in text
    assert "**U0AU00001**, 2020-05-30 12:00 CEST late" in text
    assert "**U0BR00001**, 2020-05-19 12:00 CEST [withdrawn]\n\n> We object \\<strongly>" in text
    assert "> Late \\| but relevant." not in text  # only table cells are escaped
    assert "> Late | but relevant." in text
    assert "| 4 | Rules & \\<procedures> | Approved | adopted by silence procedure |" in text
    assert "**Decision:** Approved: adopted by silence procedure, 2020-06-05 17:00 CEST" in text
    assert "*Superseded decision:* Approved by the chair (U0CHAIR01), 2020-05-29 17:00" in text
    assert "#### Australia (member)\n" in text and "#### Chair\n" in text
    assert "- [PC0601E1: Disaster management](<https://example.org/a.pdf>)" in text
    assert "- PC0602E1: Bad link (javascript:alert(1))" in text
    assert "## Item 5: Other business" in text and "No comments on this item." in text
    assert "| China | member | U0CN00001 |  | no |" in text


# -- charts -------------------------------------------------------------------------------------


@pytest.mark.parametrize("record", [small_record(), empty_record()], ids=["small", "empty"])
def test_charts_are_valid_pngs_of_fixed_size(record: SummaryRecord) -> None:
    charts = render_charts(record)
    assert list(charts) == ["comments-per-week.png", "comments-per-item.png"]
    for png in charts.values():
        assert png_size(png) == (WIDTH_PX, HEIGHT_PX) == (800, 400)


def test_empty_chart_differs_from_a_chart_with_comments() -> None:
    assert comments_per_week_chart(empty_record()) != comments_per_week_chart(small_record())
    assert comments_per_item_chart(empty_record()) == comments_per_item_chart(empty_record())


# -- empty meeting, files on disk -----------------------------------------------------------------


def test_empty_meeting_gives_a_sensible_record(tmp_path: Path) -> None:
    paths = write_all(empty_record(), tmp_path, "empty")
    root = parse_html(paths["html"])
    assert table(root, "by-kind")[-1] == ["Total", "0"]
    assert table(root, "by-item")[-1] == ["Total", "", "0", "0", "0", "0", "0", "0"]
    page = root.text()
    assert "No meeting weeks yet." in page
    assert "No decisions recorded." in page
    assert "No comments on this item." in page
    assert "not scheduled to not scheduled (Asia/Tokyo)" in page
    assert len(root.find_all("img")) == 2
    workbook = openpyxl.load_workbook(paths["xlsx"])
    rows = list(workbook["Comments"].iter_rows(values_only=True))
    assert [list(r) for r in rows] == [[*CONTRACT_COLUMNS, "kind", "phase", "author"]]
    assert figures_table(workbook["Figures"], "Comments by kind")[-1] == ["Total", 0]
    markdown = paths["md"].read_text(encoding="utf-8")
    assert "No decisions recorded." in markdown and "| **Total** | **0** |" in markdown


def test_write_all_writes_every_file_and_no_temp_file(tmp_path: Path) -> None:
    paths = write_all(small_record(), tmp_path, "rec")
    assert set(paths) == {"md", "html", "xlsx", "comments-per-week.png", "comments-per-item.png"}
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "rec-comments-per-item.png",
        "rec-comments-per-week.png",
        "rec.html",
        "rec.md",
        "rec.xlsx",
    ]
    assert png_size(paths["comments-per-week.png"].read_bytes()) == (800, 400)
    # Writing again replaces the files in place, still leaving nothing else behind.
    write_all(small_record(), tmp_path, "rec")
    assert len(list(tmp_path.iterdir())) == 5


def test_failed_write_keeps_the_old_file_and_leaves_no_temp(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "rec.xlsx"
    target.write_bytes(b"the previous record")

    def half_then_fail(self: StreamedWorkbook) -> None:
        # The sheets are in the file by now; the workbook's own parts never get there.
        raise OSError("disk full")

    monkeypatch.setattr(StreamedWorkbook, "finish", half_then_fail)
    with pytest.raises(OSError, match="disk full"):
        write_xlsx(small_record(), target)
    assert target.read_bytes() == b"the previous record"
    assert [p.name for p in tmp_path.iterdir()] == ["rec.xlsx"]


def test_single_writers_create_missing_folders(tmp_path: Path) -> None:
    record = small_record()
    write_markdown(record, tmp_path / "a" / "rec.md")
    write_html(record, tmp_path / "b" / "rec.html", charts={})
    assert (tmp_path / "a" / "rec.md").read_text(encoding="utf-8").startswith("# Summary record")
    assert parse_html(tmp_path / "b" / "rec.html").find_all("img") == []
