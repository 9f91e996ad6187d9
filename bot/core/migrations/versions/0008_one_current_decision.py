"""One current decision per item: the decisions on an item form a single chain.

Two unique indexes: at most one decision per item supersedes nothing (the first), and a
decision is superseded at most once.  Together they make two current decisions on one item
impossible, whatever the code does.

Before them, two decisions submitted at the same moment could both be recorded as superseding
nothing (or the same decision).  Such items are relinked here in the order the record already
read them (decided_at, then id): each decision supersedes the one before it, so the decision
the record held in force stays the one in force.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_FIRST_DECISION = sa.text("supersedes_id IS NULL")


# Items whose decisions fork: two that supersede nothing, or one superseded twice.
_FORKED = (
    "SELECT item_id FROM decision WHERE supersedes_id IS NULL"
    " GROUP BY item_id HAVING COUNT(*) > 1"
    " UNION"
    " SELECT item_id FROM decision WHERE supersedes_id IS NOT NULL"
    " GROUP BY item_id, supersedes_id HAVING COUNT(*) > 1"
)
# On those items, each decision supersedes the one just before it in (decided_at, id) order.
# One statement, so it also runs in offline mode (`alembic upgrade --sql`).
_RELINK = (
    "UPDATE decision SET supersedes_id = ("
    " SELECT earlier.id FROM decision AS earlier"
    " WHERE earlier.item_id = decision.item_id"
    " AND (earlier.decided_at < decision.decided_at"
    " OR (earlier.decided_at = decision.decided_at AND earlier.id < decision.id))"
    " ORDER BY earlier.decided_at DESC, earlier.id DESC LIMIT 1)"
    f" WHERE item_id IN ({_FORKED})"
)


def upgrade() -> None:
    op.execute(_RELINK)
    with op.batch_alter_table("decision", schema=None) as batch_op:
        batch_op.create_index(
            "uq_decision_first_per_item",
            ["item_id"],
            unique=True,
            sqlite_where=_FIRST_DECISION,
            postgresql_where=_FIRST_DECISION,
        )
        batch_op.create_index("uq_decision_supersedes_id", ["supersedes_id"], unique=True)


def downgrade() -> None:
    with op.batch_alter_table("decision", schema=None) as batch_op:
        batch_op.drop_index("uq_decision_supersedes_id")
        batch_op.drop_index("uq_decision_first_per_item")
