"""Closing the session: a closing message in the channel, and the secretariat's final digest
with the figures, the charts and the record attached.

It happens once per meeting, when the secretariat runs /close or when the last item is decided
and every deadline has passed, whichever comes first: both paths claim the same delivery.

The closing message carries every meeting language; each secretariat member reads the final
digest, the figures and the charts in their own language (a secretariat channel in every
meeting language), and receives the record (HTML, XLSX) in every meeting language: one file
of each per language.
"""

import logging
import tempfile
from datetime import datetime
from functools import partial
from pathlib import Path

from sqlalchemy import Engine

from bot.clock.claims import Due, deliver_one, settled_keys
from bot.clock.digest import send_digest
from bot.core.db import session_scope
from bot.domain.digest import recipients
from bot.domain.languages import languages_of
from bot.domain.record_texts import RecordTexts, record_texts
from bot.domain.session_end import mark_closed, sessions_to_close
from bot.domain.summary import SummaryRecord, build_summary
from bot.record.languages import in_language, titled
from bot.slack.api import Outbound
from bot.views.digest import (
    closing_message,
    figures_message,
    record_file_title,
    record_upload_comment,
)
from bot.views.i18n import active_language, in_languages, speaking
from models import Meeting

log = logging.getLogger(__name__)

RecordFile = tuple[str, bytes, str]  # (file name, content, title), as Outbound.upload takes


def finish_sessions(engine: Engine, out: Outbound, *, now: datetime) -> list[str]:
    with session_scope(engine) as session:
        meeting_ids = sessions_to_close(session, now=now)
        keys = {m: f"session-close:{m}" for m in meeting_ids}
        settled = settled_keys(session, keys=list(keys.values()))
    done: list[str] = []
    for meeting_id in meeting_ids:
        if keys[meeting_id] in settled:
            continue
        due = Due(keys[meeting_id], "session_close", meeting_id, None, now)
        finish = partial(finish_session, engine, out, meeting_id=meeting_id, now=now)
        attempt = deliver_one(engine, due, finish, now=now)
        if attempt.outcome == "failed":
            log.warning("closing meeting %s failed, will retry: %s", meeting_id, attempt.error)
        elif attempt.outcome == "sent":
            done.append(f"meeting {meeting_id} closed: final digest sent")
    return done


def finish_session(engine: Engine, out: Outbound, *, meeting_id: int, now: datetime) -> None:
    with session_scope(engine) as session:
        mark_closed(session, meeting_id=meeting_id, now=now)
        meeting = session.get(Meeting, meeting_id)
        assert meeting is not None
        summary = build_summary(session, meeting_id=meeting_id, now=now)
        texts = record_texts(session, meeting_id=meeting_id)
        to = recipients(session, meeting)
        readers = languages_of(session, meeting=meeting, user_ids=to)
    languages = texts.languages
    out.post(
        meeting.channel,
        in_languages(languages, lambda: closing_message(in_language(summary, texts))),
    )
    files = record_documents(summary, texts)
    charts_in: dict[tuple[str, bool], list[RecordFile]] = {}  # drawn once per language
    for recipient in to:
        # A secretariat channel reads every meeting language; a person reads their own.
        theirs = languages if recipient == meeting.secretariat_channel else (readers[recipient],)
        send_digest(
            engine,
            out,
            meeting_id=meeting_id,
            recipient=recipient,
            now=now,
            forced=True,
            final=True,
        )
        figures = in_languages(theirs, lambda: figures_message(in_language(summary, texts)))
        for part in figures.parts():
            out.post(recipient, part)
        comments, charts = [], []
        for language in theirs:
            suffix = len(theirs) > 1
            with speaking(language):
                comments.append(record_upload_comment(in_language(summary, texts).title))
                if (language, suffix) not in charts_in:
                    charts_in[language, suffix] = chart_files(summary, texts, suffix=suffix)
            charts += charts_in[language, suffix]
        out.upload(recipient, files + charts, comment="\n".join(comments))


def record_documents(summary: SummaryRecord, texts: RecordTexts | None = None) -> list[RecordFile]:
    """The record (HTML with its charts, XLSX) in each meeting language (`texts.languages`;
    without texts, the active language).  With one language, "<key>-record.html" and
    "<key>-record.xlsx" titled in it; with several, "<key>-record-fr.html" and so on, each
    titled in its language and saying which: "PTC 2020: summary record (français)"."""
    languages = texts.languages if texts is not None else (active_language(),)
    files: list[RecordFile] = []
    for language in languages:
        with speaking(language):
            files += _documents(summary, texts, language if len(languages) > 1 else None)
    return files


def _documents(
    summary: SummaryRecord, texts: RecordTexts | None, language: str | None
) -> list[RecordFile]:
    # Imported here: matplotlib and openpyxl are slow to load, and only a record needs them.
    from bot.record.charts import render_charts
    from bot.record.html import write_html
    from bot.record.xlsx import write_xlsx

    record = in_language(summary, texts)
    stem = f"{summary.key}-record" + (f"-{language}" if language else "")
    with tempfile.TemporaryDirectory(prefix="docket-record-") as folder:
        html = Path(folder) / f"{stem}.html"
        xlsx = Path(folder) / f"{stem}.xlsx"
        write_html(record, html, render_charts(record))
        write_xlsx(record, xlsx)
        html_title = record_file_title(record.title, "html")
        xlsx_title = record_file_title(record.title, "xlsx")
        files = [
            (html.name, html.read_bytes(), html_title),
            (xlsx.name, xlsx.read_bytes(), xlsx_title),
        ]
    if language is None:
        return files
    return [(name, content, titled(title, language)) for name, content, title in files]


def chart_files(
    summary: SummaryRecord, texts: RecordTexts | None = None, *, suffix: bool = False
) -> list[RecordFile]:
    """The charts in the active language, as "comments-per-week.png" (titled without the
    extension); `suffix`: "comments-per-week-fr.png", beside the same charts in other languages."""
    from bot.record.charts import render_charts

    language = active_language()
    files: list[RecordFile] = []
    for name, png in render_charts(in_language(summary, texts)).items():
        stem = name.removesuffix(".png") + (f"-{language}" if suffix else "")
        files.append((f"{stem}.png", png, stem))
    return files
