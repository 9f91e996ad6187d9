"""What the claim helper's tests share: a database with one meeting, a delivery, its row."""

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import select

from bot.clock.claims import Due
from bot.core.db import create_schema, make_engine, session_scope
from models import Delivery, Meeting

NOW = datetime(2020, 7, 10, 9, 0, tzinfo=UTC)


def delivery_database(path: Path) -> Engine:
    engine = make_engine(f"sqlite:///{path}")
    create_schema(engine)
    with session_scope(engine) as session:  # deliveries belong to a meeting
        session.add(
            Meeting(
                id=1,
                key="k",
                title="PTC",
                channel="C0TEST0001",
                timezone="UTC",
                created_at=NOW,
                updated_at=NOW,
            )
        )
    return engine


def due(key: str) -> Due:
    return Due(key, "reminder", meeting_id=1, item_id=None, due_at=NOW)


def row(engine: Engine, key: str) -> Delivery:
    with session_scope(engine) as session:
        found = session.exec(select(Delivery).where(Delivery.key == key)).one()
        session.expunge(found)
        return found
