"""The append-only audit log: every change and every refusal, with who and when."""

from datetime import datetime

from sqlmodel import Session

from models import AuditEntry


def record_audit(
    session: Session,
    *,
    now: datetime,
    actor: str,
    action: str,
    meeting_id: int | None = None,
    outcome: str = "ok",
    detail: str = "",
) -> None:
    session.add(
        AuditEntry(
            at=now,
            meeting_id=meeting_id,
            actor=actor,
            action=action,
            outcome=outcome,
            detail=detail,
        )
    )
