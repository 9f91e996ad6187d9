"""People by name, and who opened their App Home.

`participant.name` is the name the meeting file gives, `participant.profile_name` the one
Slack's profile gives (fetched at load); `meeting.channel_name` the meeting channel's name.
`home_viewer` remembers who opened Docket's App Home, so a change republishes only their Homes.
All new columns are nullable: existing rows read as "no name known" until the next load.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "home_viewer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(), nullable=False),
        sa.Column("first_opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("home_viewer", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_home_viewer_user_id"), ["user_id"], unique=True)

    with op.batch_alter_table("meeting", schema=None) as batch_op:
        batch_op.add_column(sa.Column("channel_name", sa.String(), nullable=True))

    with op.batch_alter_table("participant", schema=None) as batch_op:
        batch_op.add_column(sa.Column("name", sa.String(), nullable=True))
        batch_op.add_column(sa.Column("profile_name", sa.String(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("participant", schema=None) as batch_op:
        batch_op.drop_column("profile_name")
        batch_op.drop_column("name")

    with op.batch_alter_table("meeting", schema=None) as batch_op:
        batch_op.drop_column("channel_name")

    with op.batch_alter_table("home_viewer", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_home_viewer_user_id"))
    op.drop_table("home_viewer")
