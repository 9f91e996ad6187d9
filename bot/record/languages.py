"""The record in a language: the meeting file's texts in that language, and the languages named.

Every format renders in the active language (`bot.views.i18n.speaking`): its headings, labels,
tables, charts and dates.  `in_language` gives the record the meeting file's texts (meeting title,
item titles, proposals, document titles) in the active language where the file translates them,
else in the main language.  What people wrote (comments, decisions, group messages, revision
notes) stays as written, in whatever language they wrote it.
"""

import dataclasses
from datetime import datetime
from functools import cache
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_datetime

from bot.domain.record_texts import FileText, RecordTexts
from bot.domain.summary import DocumentEntry, ItemEntry, SummaryRecord
from bot.views.i18n import N_, SOURCE_LANGUAGE, _, active_language, text_of
from bot.views.labels import AUTHOR_KIND_LABELS

# A delegation's kind as the record writes it beside a name ("Australia (member)"); the chair
# and the secretariat stand for no delegation and are named by their role.
KIND_WORDS = {
    "member": N_("member"),
    "observer": N_("observer"),
    "chair": N_("chair"),
    "secretariat": N_("secretariat"),
}
ROLE_NAMES = {"chair": N_("Chair"), "secretariat": N_("Secretariat")}


def in_language(record: SummaryRecord, texts: RecordTexts | None) -> SummaryRecord:
    """`record` with the meeting file's texts in the active language (as it is without texts)."""
    if texts is None:
        return record
    items = [_item(item, texts) for item in record.items]
    titles = {item.number: item.title for item in items}
    groups = [
        dataclasses.replace(group, item_title=titles.get(group.item, group.item_title))
        if group.item is not None
        else group
        for group in record.groups
    ]
    return dataclasses.replace(
        record, title=text_of(texts.meeting, "title") or record.title, items=items, groups=groups
    )


def _item(item: ItemEntry, texts: RecordTexts) -> ItemEntry:
    text = texts.items.get(item.number)
    documents = _documents(item.documents, texts.documents.get(item.number, []))
    if text is None:
        return dataclasses.replace(item, documents=documents)
    return dataclasses.replace(
        item,
        title=text_of(text, "title") or item.title,
        proposal=text_of(text, "proposal"),
        documents=documents,
    )


def _documents(
    documents: list[DocumentEntry], texts: list[tuple[str, FileText]]
) -> list[DocumentEntry]:
    """Each document's title in the active language; matched by place and code, so a document
    the texts do not know keeps its title."""
    if len(documents) != len(texts):
        by_code = dict(texts)
        return [_document(d, by_code.get(d.code)) for d in documents]
    return [
        _document(d, text if code == d.code else None)
        for d, (code, text) in zip(documents, texts, strict=True)
    ]


def _document(document: DocumentEntry, text: FileText | None) -> DocumentEntry:
    if text is None or not text.translations:
        return document
    return dataclasses.replace(document, title=text_of(text, "title") or document.title)


def language_name(language: str) -> str:
    """The language as it names itself: "English", "français"."""
    try:
        return Locale.parse(language).get_display_name(language) or language
    except (ValueError, LookupError):
        return language


def titled(title: str, language: str) -> str:
    """A file's title that says its language: "PTC 2020: summary record (français)"."""
    return f"{title} ({language_name(language)})"


# -- words and dates in the active language -------------------------------------------------------


def kind_word(kind: str) -> str:
    """ "member", "observer" in the active language (anything else as stored)."""
    word = KIND_WORDS.get(kind)
    return _(word) if word else kind


def author_kind(kind: str) -> str:
    """ "Members", "Observers", "Chair", "Secretariat": a table's column, a chart's legend."""
    return _(AUTHOR_KIND_LABELS[kind])


def delegation_name(delegation: str, kind: str) -> str:
    """A delegation's name as given; the chair and the secretariat by their role's name in the
    active language (the record's data names them "Chair" and "Secretariat")."""
    role = ROLE_NAMES.get(kind)
    return _(role) if role and delegation == role else delegation


def written_moment(moment: datetime, timezone: str) -> str:
    """An aware moment in the meeting's zone, to the minute, as the active language writes it:
    "2020-07-18 10:00 CEST" in English (as the record always wrote it), "18 juil. 2020 10:00
    CEST" in French."""
    zone = ZoneInfo(timezone)
    local = moment.astimezone(zone)
    language = active_language()
    if language == SOURCE_LANGUAGE:
        if local.year >= 1000:  # isoformat's year is strftime's %Y; a third of strftime's time
            return f"{local.isoformat(' ', 'minutes')[:16]} {local.tzname() or ''}"
        return f"{local:%Y-%m-%d %H:%M %Z}"
    written = format_datetime(local, "d MMM y HH:mm", tzinfo=zone, locale=_locale(language))
    return f"{written} {local.tzname() or timezone}"


def local_day(day: datetime) -> str:
    """A day (a meeting week's start): "2020-07-13" in English, "13 juil. 2020" in French."""
    language = active_language()
    if language == SOURCE_LANGUAGE:
        return f"{day:%Y-%m-%d}"
    return format_date(day, "d MMM y", locale=_locale(language))


@cache
def _locale(language: str) -> Locale:
    # Parsed once per language, not once per date: the record writes one for every comment.
    return Locale.parse(language)
