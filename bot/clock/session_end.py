"""Closing the session: a closing message in the channel, and the secretariat's final digest
with the figures, the charts and the record attached.

It happens once per meeting, when the secretariat runs /close or when the last item is decided
and every deadline has passed, whichever comes first: both paths claim the same delivery.
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
from bot.domain.session_end import mark_closed, sessions_to_close
from bot.domain.summary import SummaryRecord, build_summary
from bot.slack.api import Outbound
from bot.views.digest import (
    closing_message,
    figures_message,
    final_digest_heading,
    record_file_title,
    record_upload_comment,
)
from models import Meeting

log = logging.getLogger(__name__)


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
        to = recipients(session, meeting)
    out.post(meeting.channel, closing_message(summary))
    files = record_files(summary)
    for recipient in to:
        send_digest(
            engine,
            out,
            meeting_id=meeting_id,
            recipient=recipient,
            now=now,
            forced=True,
            heading=final_digest_heading(meeting.title),
        )
        for part in figures_message(summary).parts():
            out.post(recipient, part)
        out.upload(recipient, files, comment=record_upload_comment(meeting.title))


def record_files(summary: SummaryRecord) -> list[tuple[str, bytes, str]]:
    """The record (HTML, XLSX) and the charts, as (file name, content, title)."""
    # Imported here: matplotlib and openpyxl are slow to load, and only a record needs them.
    from bot.record.charts import render_charts
    from bot.record.html import write_html
    from bot.record.xlsx import write_xlsx

    charts = render_charts(summary)
    with tempfile.TemporaryDirectory(prefix="docket-record-") as folder:
        html = Path(folder) / f"{summary.key}-record.html"
        xlsx = Path(folder) / f"{summary.key}-record.xlsx"
        write_html(summary, html, charts)
        write_xlsx(summary, xlsx)
        files: list[tuple[str, bytes, str]] = [
            (html.name, html.read_bytes(), record_file_title(summary.title, "html")),
            (xlsx.name, xlsx.read_bytes(), record_file_title(summary.title, "xlsx")),
        ]
    files += [(name, content, name.removesuffix(".png")) for name, content in charts.items()]
    return files
