"""The record as CSV: the contract's columns in their order, then `kind`, `phase` and `author`."""

import csv
from pathlib import Path

from bot.domain.record_rows import CommentRow

CONTRACT_COLUMNS = [
    "item",
    "comment_id",
    "delegation",
    "delegation_kind",
    "user",
    "role",
    "posted_at",
    "status",
    "late",
    "text",
    "revisions",
]
# Columns after the contract's: `kind` is the comment's classification (bot/classify.py), empty
# when it is not classified; `phase` is "comments" or "final_concerns" (a reply in a revised
# document's final-concerns window, bot/concern_phase.py); `author` is the person's name (the
# meeting file's, else their Slack profile's; their user id when neither is known), while `user`
# stays the Slack user id.
CSV_COLUMNS = [*CONTRACT_COLUMNS, "kind", "phase", "author"]


def csv_cells(row: CommentRow) -> list[str]:
    return [
        str(row.item),
        row.comment_id,
        row.delegation,
        row.delegation_kind,
        row.user,
        row.role,
        row.posted_at,
        row.status,
        "true" if row.late else "false",
        row.text,
        str(row.revisions),
        row.kind or "",
        row.phase,
        row.author,
    ]


def write_csv(rows: list[CommentRow], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    # Write beside the target and rename, so a failed export never leaves half a file.
    with tmp.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(CSV_COLUMNS)
        writer.writerows(csv_cells(row) for row in rows)
    tmp.replace(path)
