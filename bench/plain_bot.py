"""The plain durable bot Docket is measured against: what a careful developer writes in forty
lines with the same libraries (issue 13).

    gunicorn ... 'bench.plain_bot:create_app()'

Bolt with `process_before_response=True`, so the reply is saved before Slack gets its answer: a
SQLModel session adds the reply to one table, unique on (channel, ts), commits, then the receipt
reaction is added, all inside the request.  A redelivery hits the unique constraint and only
gets its receipt again.  slack_sdk's default WebClient (a new connection per call), nothing else:
no roster, no deadlines, no log line.  `bench.capture_bench` creates the table before the web
process starts (`create_tables`), so two gunicorn workers never race to create it.
"""

import os
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient
from sqlalchemy import UniqueConstraint, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Field, Session, SQLModel, create_engine

RECEIPT_REACTION = "white_check_mark"


class PlainReply(SQLModel, table=True):
    __tablename__ = "plain_reply"
    __table_args__ = (UniqueConstraint("channel", "ts"),)
    id: int | None = Field(default=None, primary_key=True)
    channel: str
    ts: str
    thread_ts: str
    user: str
    text: str


def _engine(url: str) -> Engine:
    engine = create_engine(url, connect_args={"timeout": 30} if url.startswith("sqlite") else {})
    if url.startswith("sqlite"):
        # What a careful developer does for a SQLite file shared by several workers: WAL, so
        # readers never block the writer; synchronous stays FULL (the default), as Docket's.
        @event.listens_for(engine, "connect")
        def _wal(connection: Any, _record: Any) -> None:
            connection.execute("PRAGMA journal_mode=WAL")

    return engine


def create_tables(url: str) -> None:
    engine = _engine(url)
    SQLModel.metadata.create_all(engine)
    engine.dispose()


def create_app() -> SlackRequestHandler:
    engine = _engine(os.environ["DATABASE_URL"])
    api_url = os.environ.get("SLACK_API_URL", "https://slack.com/api/")
    app = App(
        client=WebClient(
            token=os.environ["SLACK_BOT_TOKEN"],
            base_url=api_url if api_url.endswith("/") else api_url + "/",
        ),
        signing_secret=os.environ["SLACK_SIGNING_SECRET"],
        process_before_response=True,
    )

    @app.event("message")
    def save(event: dict[str, Any], client: WebClient) -> None:
        if event.get("subtype") is not None or not event.get("thread_ts"):
            return
        with Session(engine) as session:
            session.add(
                PlainReply(
                    channel=event["channel"],
                    ts=event["ts"],
                    thread_ts=event["thread_ts"],
                    user=event.get("user", ""),
                    text=event.get("text", ""),
                )
            )
            try:
                session.commit()
            except IntegrityError:  # Slack redelivered it: saved already
                session.rollback()
        client.reactions_add(channel=event["channel"], timestamp=event["ts"], name=RECEIPT_REACTION)

    return SlackRequestHandler(app)
