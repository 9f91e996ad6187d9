"""The Home and the digest with the meeting file's texts in a reader's language.

`build_homes` and `build_digest` carry the meeting's and items' titles as the main language has
them; a reader of another meeting language gets the file's translation of each title where it
gives one (`title: {en: …, fr: …}`), else the main text.  One query for the items' texts,
none at all when the reader reads the main language or the file translates nothing.
"""

from dataclasses import replace
from typing import TypeVar

from sqlmodel import Session, col, select

from bot.domain.digest import Digest
from bot.domain.home import ConcernLine, Home, ItemLine, MeetingHome, SilenceLine
from bot.domain.languages import meeting_languages, translations_of
from models import AgendaItem, Meeting

Line = TypeVar("Line", ItemLine, SilenceLine, ConcernLine)
Titles = dict[tuple[int, int], str]


def _translated(row: object, language: str, attribute: str, main: str) -> str:
    return translations_of(row).get(language, {}).get(attribute) or main


def _item_titles(session: Session, meeting_ids: list[int], language: str) -> Titles:
    """(meeting id, item number) -> the item's title in `language`, for items translated."""
    if not meeting_ids:
        return {}
    rows = session.exec(
        select(AgendaItem).where(
            col(AgendaItem.meeting_id).in_(meeting_ids),
            col(AgendaItem.active),
            col(AgendaItem.translations) != "",
        )
    )
    return {
        (item.meeting_id, item.number): title
        for item in rows
        if (title := translations_of(item).get(language, {}).get("title"))
    }


def home_in(session: Session, home: Home, language: str) -> Home:
    """`home` with its meetings' and items' titles in `language`."""
    meetings = {m.meeting_id: session.get(Meeting, m.meeting_id) for m in home.meetings}
    wanted = [
        meeting_id
        for meeting_id, meeting in meetings.items()
        if meeting is not None
        and language != meeting_languages(meeting)[0]
        and language in meeting_languages(meeting)
    ]
    if not wanted:
        return home
    titles = _item_titles(session, wanted, language)
    return replace(
        home,
        meetings=[
            _meeting_home_in(section, meetings[section.meeting_id], language, titles)
            if section.meeting_id in wanted
            else section
            for section in home.meetings
        ],
    )


def _meeting_home_in(
    section: MeetingHome, meeting: Meeting | None, language: str, titles: Titles
) -> MeetingHome:
    def title(number: int, main: str) -> str:
        return titles.get((section.meeting_id, number), main)

    def lines(found: list[Line]) -> list[Line]:
        return [replace(line, title=title(line.number, line.title)) for line in found]

    changed = replace(section, title=_translated(meeting, language, "title", section.title))
    if section.delegate is not None:
        delegate = section.delegate
        changed = replace(
            changed,
            delegate=replace(
                delegate,
                open_items=lines(delegate.open_items),
                silences=lines(delegate.silences),
                concerns=lines(delegate.concerns),
            ),
        )
    if section.chair is not None:
        chair = section.chair
        changed = replace(
            changed,
            chair=replace(chair, awaiting=lines(chair.awaiting), silences=lines(chair.silences)),
        )
    return changed


def digest_in(session: Session, digest: Digest, meeting: Meeting, language: str) -> Digest:
    """`digest` with the meeting's and items' titles in `language`."""
    languages = meeting_languages(meeting)
    if language == languages[0] or language not in languages or meeting.id is None:
        return digest
    titles = _item_titles(session, [meeting.id], language)
    return replace(
        digest,
        meeting_title=_translated(meeting, language, "title", digest.meeting_title),
        items=[
            replace(item, title=titles.get((meeting.id, item.number), item.title))
            for item in digest.items
        ],
    )
