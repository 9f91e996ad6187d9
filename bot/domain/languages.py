"""Which language each person reads Docket in, and the meeting's languages.

A person reads Docket in the language the meeting file or roster gives them (on the delegate,
else on their delegation), else the one their Slack locale names (users.info, read at load and
stored on the participant, never asked for on the reply path), else the meeting's main language;
always one of the meeting's languages.  Someone not on the roster reads the main language.
"""

import json
from typing import Any

from sqlmodel import Session, col, select

from models import Meeting, Participant

DEFAULT_LANGUAGES = ("en",)


def meeting_languages(meeting: Meeting) -> tuple[str, ...]:
    """The meeting's languages, the main one first."""
    found = tuple(code for code in (meeting.languages or "").split(",") if code)
    return found or DEFAULT_LANGUAGES


def locale_language(locale: str | None) -> str | None:
    """The language of a Slack locale: "fr-FR" -> "fr", "en-GB" -> "en"."""
    if not locale:
        return None
    return locale.replace("_", "-").split("-", 1)[0].lower() or None


def reader_language(
    languages: tuple[str, ...], *, explicit: str | None = None, locale: str | None = None
) -> str:
    """The language someone reads, of the meeting's `languages` (see the module's docstring)."""
    for candidate in (explicit, locale_language(locale)):
        if candidate and candidate in languages:
            return candidate
    return languages[0]


def participant_language(meeting: Meeting, participant: Participant | None) -> str:
    languages = meeting_languages(meeting)
    if participant is None:
        return languages[0]
    return reader_language(languages, explicit=participant.language, locale=participant.locale)


def language_of(session: Session, *, meeting: Meeting, user_id: str) -> str:
    """The language `user_id` reads in this meeting (the main one when not on the roster)."""
    participant = session.exec(
        select(Participant).where(
            Participant.meeting_id == meeting.id,
            Participant.user_id == user_id,
            col(Participant.active),
        )
    ).first()
    return participant_language(meeting, participant)


def languages_of(session: Session, *, meeting: Meeting, user_ids: list[str]) -> dict[str, str]:
    """The language of each of `user_ids` (one query, for fan-outs such as nudges)."""
    languages = meeting_languages(meeting)
    found = {
        p.user_id: reader_language(languages, explicit=p.language, locale=p.locale)
        for p in session.exec(
            select(Participant).where(
                Participant.meeting_id == meeting.id,
                col(Participant.user_id).in_(user_ids),
                col(Participant.active),
            )
        )
    }
    return {user: found.get(user, languages[0]) for user in user_ids}


def translations_of(row: Any) -> dict[str, dict[str, str]]:
    """A meeting's, item's or document's texts in its other languages ({lang: {field: text}})."""
    raw = getattr(row, "translations", "") or ""
    if not raw:
        return {}
    value = json.loads(raw)
    return value if isinstance(value, dict) else {}


def encode_translations(texts: dict[str, dict[str, str]]) -> str:
    """The stored form of `translations_of`: "" when there are none, else sorted JSON (so that
    loading the same file twice stores the same text)."""
    cleaned = {lang: fields for lang, fields in sorted(texts.items()) if fields}
    return json.dumps(cleaned, sort_keys=True, ensure_ascii=False) if cleaned else ""
