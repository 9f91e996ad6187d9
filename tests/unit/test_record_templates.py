"""The record's Markdown and HTML templates on a small record built by hand: escaping, the
figures they show, and the HTML staying one self-contained file."""

import dataclasses
from datetime import UTC, datetime

from bot.domain.summary import (
    CommentEntry,
    DecisionEntry,
    DocumentEntry,
    ItemEntry,
    RosterEntry,
    SummaryFigures,
    SummaryRecord,
)
from bot.record.html import render_html
from bot.record.markdown import render_markdown

TITLE = "<script>alert(1)</script> Fees & charges"


def at(day: int, hour: int = 10) -> datetime:
    return datetime(2020, 6, day, hour, tzinfo=UTC)


def comment(n: int, delegation: str, kind: str, text: str, **extra: object) -> CommentEntry:
    return CommentEntry(
        comment_id=f"C1-{n}",
        item=1,
        delegation=delegation,
        kind=kind,
        user=f"U{n}",
        posted_at=at(2 + n),
        status=str(extra.get("status", "active")),
        late=bool(extra.get("late", False)),
        text=text,
        revisions=int(str(extra.get("revisions", 0))),
    )


def record() -> SummaryRecord:
    comments = [
        comment(1, "Australia", "member", "We support <b>this</b> & more.", revisions=1),
        comment(2, "Australia", "member", "Second thought.", late=True),
        comment(3, "ICC", "observer", "Withdrawn view", status="withdrawn"),
    ]
    decision = DecisionEntry(1, "approved", "Approved.", "chair", "U0CHAIR", at(20), False)
    item = ItemEntry(
        number=1,
        title=TITLE,
        proposal="Endorse the fees.",
        documents=[
            DocumentEntry("D1", "Fees", "https://example.org/d1.pdf"),
            DocumentEntry("D2", "Trap", "javascript:alert(2)"),
        ],
        opens_at=at(1),
        deadline_at=at(15),
        decision=decision,
        history=[decision],
        comments=comments,
        counts={"member": 2, "observer": 0, "chair": 0, "secretariat": 0},
        withdrawn=1,
    )
    figures = SummaryFigures(
        registered=3,
        took_part=1,
        member_delegations=1,
        observer_delegations=1,
        members_taking_part=["Australia"],
        observers_taking_part=[],
        comments=2,
        withdrawn=1,
        edited=1,
        late=1,
        kept_aside=0,
        by_kind={"member": 2, "observer": 0, "chair": 0, "secretariat": 0},
        by_item={1: {"member": 2, "observer": 0, "chair": 0, "secretariat": 0}},
        by_week={1: {"member": 2}},
    )
    return SummaryRecord(
        key="ptc-test",
        title=TITLE,
        channel="C1",
        timezone="Europe/Brussels",
        chair=["U0CHAIR"],
        secretariat=[],
        first_opening=at(1),
        last_deadline=at(15),
        closed_at=None,
        generated_at=at(21),
        figures=figures,
        items=[item],
        roster=[RosterEntry("Australia", "member", "U1", None, True)],
        week_starts={1: datetime(2020, 6, 1, tzinfo=UTC)},
    )


def test_html_escapes_a_title_with_script_and_ampersand_everywhere_it_shows() -> None:
    page = render_html(record(), {})
    assert "<script>" not in page
    escaped = "&lt;script&gt;alert(1)&lt;/script&gt; Fees &amp; charges"
    assert f"<title>Summary record: {escaped}</title>" in page
    assert f"<h1>Summary record: {escaped}</h1>" in page
    assert f"<h2>Item 1: {escaped}</h2>" in page
    assert "We support &lt;b&gt;this&lt;/b&gt; &amp; more." in page


def test_html_quotes_are_escaped_as_the_standard_library_does() -> None:
    quoted = dataclasses.replace(record(), title='it\'s "ours"')
    assert "it&#x27;s &quot;ours&quot;" in render_html(quoted, {})


def test_html_links_web_documents_and_shows_other_addresses_as_text() -> None:
    page = render_html(record(), {})
    assert '<li><a href="https://example.org/d1.pdf">D1: Fees</a></li>' in page
    assert "<li>D2: Trap (javascript:alert(2))</li>" in page
    assert 'href="javascript' not in page


def test_html_gives_the_figures_and_stays_self_contained() -> None:
    page = render_html(record(), {"comments-per-week.png": b"\x89PNG"})
    assert '<tr class="total"><td>Total</td><td class="num">2</td></tr>' in page
    assert "<dt>Comments (withdrawn not included)</dt><dd>2</dd>" in page
    assert "<dt>Withdrawn comments (counted apart)</dt><dd>1</dd>" in page
    assert '<img src="data:image/png;base64,iVBORw==" alt="Bar chart: active comments' in page
    assert "<style>" in page and "<link" not in page
    assert "<del>Withdrawn view</del>" in page
    assert page.endswith("</html>\n")


def test_markdown_escapes_markup_and_gives_the_figures() -> None:
    text = render_markdown(record())
    assert text.startswith("# Summary record: \\<script>alert(1)\\</script> Fees & charges\n")
    assert "- **Comments (withdrawn not included):** 2\n" in text
    assert "| **Total** |  | **2** | **0** | **0** | **0** | **2** | **1** |" in text
    edited = "**U1**, 2020-06-03 12:00 CEST (edited 1 time)\n\n> We support \\<b>this\\</b> & more."
    assert edited in text
    assert "**U2**, 2020-06-04 12:00 CEST late\n" in text
    assert text.endswith("| Australia | member | U1 |  | yes |\n")


def test_markdown_links_web_documents_only() -> None:
    text = render_markdown(record())
    assert "- [D1: Fees](<https://example.org/d1.pdf>)\n" in text
    assert "- D2: Trap (javascript:alert(2))\n" in text
