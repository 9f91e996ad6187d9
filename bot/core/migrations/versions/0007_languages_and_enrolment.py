"""Languages, people from other organisations, and requests to join.

The meeting's `languages` and the meeting file's texts in its other languages (`translations`
on meeting, agenda item and document); each person's `language` (as the file or roster gives
it), Slack `locale` and `source` (file or enrolled); a delegation's `language`;
`pending_person` (entries Slack could not match, loaded with --allow-unresolved) and
`enrolment_request` (someone asking from Slack to join a delegation).  Existing rows read as
English-only meetings of people from the meeting file.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# Columns added to tables that may hold rows: filled by a server default while they are added,
# which is dropped afterwards so the schema stays exactly the models' (defaults live in Python).
_FILLED = [
    ("meeting", "languages"),
    ("meeting", "translations"),
    ("agenda_item", "translations"),
    ("document", "translations"),
    ("participant", "source"),
    ("delegation", "source"),
]


def upgrade() -> None:
    with op.batch_alter_table("meeting", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("languages", sa.String(), nullable=False, server_default="en")
        )
        batch_op.add_column(sa.Column("translations", sa.Text(), nullable=False, server_default=""))
    for table in ("agenda_item", "document"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(
                sa.Column("translations", sa.Text(), nullable=False, server_default="")
            )
    with op.batch_alter_table("delegation", schema=None) as batch_op:
        batch_op.add_column(sa.Column("language", sa.String(), nullable=True))
        batch_op.add_column(sa.Column("source", sa.String(), nullable=False, server_default="file"))
    with op.batch_alter_table("participant", schema=None) as batch_op:
        batch_op.add_column(sa.Column("language", sa.String(), nullable=True))
        batch_op.add_column(sa.Column("locale", sa.String(), nullable=True))
        batch_op.add_column(sa.Column("source", sa.String(), nullable=False, server_default="file"))

    for table, column in _FILLED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column(column, server_default=None)

    op.create_table(
        "pending_person",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(), nullable=False),
        sa.Column("name", sa.String(), nullable=True),
        sa.Column("role", sa.String(), nullable=False),
        sa.Column("delegation_id", sa.Integer(), nullable=True),
        sa.Column("language", sa.String(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("matched_user_id", sa.String(), nullable=True),
        sa.Column("source", sa.String(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["delegation_id"], ["delegation.id"]),
        sa.ForeignKeyConstraint(["meeting_id"], ["meeting.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("meeting_id", "email"),
    )
    with op.batch_alter_table("pending_person", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pending_person_meeting_id"), ["meeting_id"])

    op.create_table(
        "enrolment_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(), nullable=False),
        sa.Column("user_team", sa.String(), nullable=True),
        sa.Column("delegation_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("about", sa.Text(), nullable=False),
        sa.Column("language", sa.String(), nullable=True),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_by", sa.String(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("notices", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["delegation_id"], ["delegation.id"]),
        sa.ForeignKeyConstraint(["meeting_id"], ["meeting.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("meeting_id", "user_id"),
    )
    with op.batch_alter_table("enrolment_request", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_enrolment_request_meeting_id"), ["meeting_id"])


def downgrade() -> None:
    with op.batch_alter_table("enrolment_request", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_enrolment_request_meeting_id"))
    op.drop_table("enrolment_request")
    with op.batch_alter_table("pending_person", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pending_person_meeting_id"))
    op.drop_table("pending_person")
    with op.batch_alter_table("participant", schema=None) as batch_op:
        batch_op.drop_column("source")
        batch_op.drop_column("locale")
        batch_op.drop_column("language")
    with op.batch_alter_table("delegation", schema=None) as batch_op:
        batch_op.drop_column("source")
        batch_op.drop_column("language")
    for table in ("document", "agenda_item"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("translations")
    with op.batch_alter_table("meeting", schema=None) as batch_op:
        batch_op.drop_column("translations")
        batch_op.drop_column("languages")
