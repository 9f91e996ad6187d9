"""Drop handled_event: Slack event ids are no longer remembered.

Every message event is recorded under its own (channel, ts), and each version of a comment under
its own time, both unique in the database, so a retried or redelivered event (same event id or
a new one) only finds its comment already there.  The separate event-id insert on every reply
cost about a tenth of the web process's CPU per comment (BENCHMARKS.md) and guarded nothing
else.  The downgrade recreates the table empty.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_table("handled_event")


def downgrade() -> None:
    op.create_table(
        "handled_event",
        sa.Column("event_id", sa.String(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("event_id"),
    )
