"""The meeting file's texts the summary record shows, with their translations: the meeting's
title, each item's title and proposal, each document's title.

`build_summary` gives these texts in the meeting's main language; a record in another language
shows the file's translation where it gives one (`bot.record.languages.in_language`, through
`bot.views.i18n.text_of`).  Three queries, whatever the meeting's size.  Comments, decisions and
everything else people wrote stay as written: they are never translated.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from sqlmodel import Session, col, select

from bot.domain.languages import meeting_languages
from models import AgendaItem, Document, Meeting


@dataclass(frozen=True)
class FileText:
    """A text of the meeting file and its translations, as `text_of(row, "title")` reads them."""

    title: str
    proposal: str = ""
    translations: str = ""  # {"fr": {"title": ..., "proposal": ...}}, "" when none


@dataclass(frozen=True)
class RecordTexts:
    languages: tuple[str, ...]  # the meeting's languages, the main one first
    meeting: FileText
    items: dict[int, FileText] = field(default_factory=dict)  # by item number
    # By item number: each document's code and text, in the item's order (as the record's).
    documents: dict[int, list[tuple[str, FileText]]] = field(default_factory=dict)


def record_texts(session: Session, *, meeting_id: int) -> RecordTexts:
    meeting = session.get(Meeting, meeting_id)
    if meeting is None:
        raise ValueError(f"no meeting with id {meeting_id}")
    items = list(
        session.exec(
            select(AgendaItem).where(AgendaItem.meeting_id == meeting_id, col(AgendaItem.active))
        )
    )
    number_of = {item.id: item.number for item in items}
    documents: dict[int, list[tuple[str, FileText]]] = defaultdict(list)
    for doc in session.exec(
        select(Document)
        .where(col(Document.item_id).in_(list(number_of)))
        .order_by(col(Document.item_id), col(Document.position))
    ):
        documents[number_of[doc.item_id]].append(
            (doc.code, FileText(doc.title, translations=doc.translations))
        )
    return RecordTexts(
        languages=meeting_languages(meeting),
        meeting=FileText(meeting.title, translations=meeting.translations),
        items={
            item.number: FileText(item.title, item.proposal, item.translations) for item in items
        },
        documents=dict(documents),
    )
