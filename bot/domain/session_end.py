"""Closing the session: a closing message in the channel, and the secretariat's final digest
with the figures, the charts and the record attached.

It happens once per meeting, when the secretariat runs /close or when the last item is decided
and every deadline has passed, whichever comes first: both paths claim the same delivery.
"""

import logging
import tempfile
from datetime import datetime
from pathlib import Path

from slack_sdk.errors import SlackApiError
from sqlalchemy import Engine, update
from sqlmodel import Session, col, select

from bot.clock.claims import Due, claim, mark_sent, release, settled_keys
from bot.core.db import session_scope
from bot.domain.audit import record_audit
from bot.domain.digest import recipients, send_digest
from bot.domain.meetings import find_participant
from bot.domain.summary import SummaryRecord, build_summary
from bot.slack.api import Outbound
from bot.views.messages import closing_message, figures_message
from models import AgendaItem, Decision, Meeting, RevisedDocument

log = logging.getLogger(__name__)


def refuse_unless_secretariat(
    session: Session, *, meeting: Meeting, user_id: str, action: str, now: datetime
) -> str | None:
    """None for a secretariat member; otherwise the private refusal, written to the audit log."""
    assert meeting.id is not None
    participant = find_participant(session, meeting_id=meeting.id, user_id=user_id)
    if participant is not None and participant.role == "secretariat":
        return None
    record_audit(
        session,
        now=now,
        actor=user_id,
        action=action,
        meeting_id=meeting.id,
        outcome="refused",
        detail="not secretariat",
    )
    return f"Only the secretariat of {meeting.title} can use /{action}."


def request_close(
    session: Session, *, meeting: Meeting, user_id: str, now: datetime
) -> tuple[str, bool]:
    """`/close` by the secretariat: mark the session closed; the closing goes out after.

    Returns the private reply and whether the closing is to be sent now.
    """
    refusal = refuse_unless_secretariat(
        session, meeting=meeting, user_id=user_id, action="close", now=now
    )
    if refusal:
        return refusal, False
    if meeting.closed_at is not None:
        return f"{meeting.title} is already closed; the final digest was sent then.", False
    session.execute(
        update(Meeting)
        .where(col(Meeting.id) == meeting.id, col(Meeting.closed_at).is_(None))
        .values(closed_at=now)
    )
    record_audit(session, now=now, actor=user_id, action="close", meeting_id=meeting.id)
    return (
        f"{meeting.title} is closed. The closing message goes to the channel, and the final "
        "digest with the figures, charts and record to the secretariat."
    ), True


def sessions_to_close(session: Session, *, now: datetime) -> list[int]:
    """Meetings closed by /close, or whose items are all decided with every deadline passed,
    final-concerns windows included (a concern may still come in while one is open)."""
    closed = list(session.exec(select(Meeting.id).where(col(Meeting.closed_at).is_not(None))))
    items = list(session.exec(select(AgendaItem).where(col(AgendaItem.active))))
    decided = set(session.exec(select(Decision.item_id).distinct()))
    windows_open = set(
        session.exec(
            select(RevisedDocument.item_id).where(col(RevisedDocument.concerns_deadline_at) > now)
        )
    )
    by_meeting: dict[int, list[AgendaItem]] = {}
    for item in items:
        by_meeting.setdefault(item.meeting_id, []).append(item)
    finished = [
        meeting_id
        for meeting_id, agenda in by_meeting.items()
        if agenda
        and all(i.id in decided and i.id not in windows_open for i in agenda)
        and all(i.deadline_at is not None and i.deadline_at <= now for i in agenda)
    ]
    return sorted({m for m in closed + finished if m is not None})


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
        token, held = claim(engine, [due], now=now)
        if not held:
            continue
        try:
            finish_session(engine, out, meeting_id=meeting_id, now=now)
        except SlackApiError as exc:
            release(engine, [due.key], token=token, error=str(exc.response.get("error")))
            log.warning("closing meeting %s failed, will retry: %s", meeting_id, exc)
            continue
        mark_sent(engine, [due.key], token=token, now=now)
        done.append(f"meeting {meeting_id} closed: final digest sent")
    return done


def finish_session(engine: Engine, out: Outbound, *, meeting_id: int, now: datetime) -> None:
    with session_scope(engine) as session:
        session.execute(
            update(Meeting)
            .where(col(Meeting.id) == meeting_id, col(Meeting.closed_at).is_(None))
            .values(closed_at=now)
        )
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
            heading=f"Final digest: {meeting.title}",
        )
        out.post(recipient, figures_message(summary))
        out.upload(recipient, files, comment=f"The record of {meeting.title}, and its charts.")


def record_files(summary: SummaryRecord) -> list[tuple[str, bytes, str]]:
    """The record (HTML, XLSX) and the charts, as (file name, content, title)."""
    from bot.record.charts import render_charts
    from bot.record.formats import write_html, write_xlsx

    charts = render_charts(summary)
    with tempfile.TemporaryDirectory(prefix="docket-record-") as folder:
        html = Path(folder) / f"{summary.key}-record.html"
        xlsx = Path(folder) / f"{summary.key}-record.xlsx"
        write_html(summary, html, charts)
        write_xlsx(summary, xlsx)
        files: list[tuple[str, bytes, str]] = [
            (html.name, html.read_bytes(), f"{summary.title}: summary record"),
            (xlsx.name, xlsx.read_bytes(), f"{summary.title}: comments and figures"),
        ]
    files += [(name, content, name.removesuffix(".png")) for name, content in charts.items()]
    return files
