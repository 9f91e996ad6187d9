"""What the Markdown and the HTML record say about each item, comment, decision, revised
document and drafting group: the short phrases and groupings both templates show, and
`template_context`, the one set of values both templates are rendered with.

The markup lives in bot/record/templates/; nothing here knows Markdown or HTML.
"""

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from urllib.parse import urlsplit

from bot.domain.group_record import ContributionEntry, GroupEntry
from bot.domain.summary import (
    CommentEntry,
    DecisionEntry,
    ItemEntry,
    RevisionEntry,
    SummaryRecord,
)
from bot.record.tables import (
    classification_table,
    decision_kind,
    decision_table,
    facts,
    item_table,
    kind_table,
    local,
    participation,
    procedure,
    roster_table,
    week_table,
)
from bot.views.labels import COMMENT_KIND_LABELS


@dataclass(frozen=True)
class DelegationComments:
    heading: str  # "Australia (member)", but plain "Chair" and "Secretariat"
    comments: list[CommentEntry]


def safe_href(url: str) -> str | None:
    # Document links are plain links; anything but web and mail addresses is shown as text.
    return url if urlsplit(url.strip()).scheme.lower() in {"http", "https", "mailto"} else None


def _edited(revisions: int) -> str:
    return f"edited {revisions} time" if revisions == 1 else f"edited {revisions} times"


def comment_notes(comment: CommentEntry) -> list[str]:
    notes = []
    if comment.revisions > 0:
        notes.append(f"({_edited(comment.revisions)})")
    if comment.late:
        notes.append("late")
    if comment.status == "withdrawn":
        notes.append("[withdrawn]")
    return notes


def kind_note(comment: CommentEntry) -> str | None:
    """The comment's classification as shown beside it; nothing when it is not classified."""
    return COMMENT_KIND_LABELS.get(comment.comment_kind or "")


def _group_heading(delegation: str, kind: str) -> str:
    return delegation if delegation.lower() == kind else f"{delegation} ({kind})"


def delegations(comments: list[CommentEntry]) -> list[DelegationComments]:
    """The comments under their delegations, in the order the delegations first appear: the
    record gives them in roster order, then by time."""
    groups: dict[tuple[str, str], list[CommentEntry]] = {}
    for comment in comments:
        groups.setdefault((comment.delegation, comment.kind), []).append(comment)
    return [
        DelegationComments(_group_heading(delegation, kind), entries)
        for (delegation, kind), entries in groups.items()
    ]


def period_comments(item: ItemEntry) -> list[CommentEntry]:
    """The comments of the ordinary comment period; final concerns have their own section."""
    return [c for c in item.comments if not c.final_concern]


def final_concerns(item: ItemEntry) -> list[CommentEntry]:
    return [c for c in item.comments if c.final_concern]


def superseded(item: ItemEntry) -> list[DecisionEntry]:
    return [d for d in item.history if d.superseded]


def has_concerns_window(item: ItemEntry) -> bool:
    """At least one revised document opened a final-concerns window on the item."""
    return any(r.concerns_deadline_at is not None for r in item.revisions)


def decision_line(record: SummaryRecord, decision: DecisionEntry) -> str:
    when = local(record, decision.decided_at)
    if decision.procedure == "chair":
        chair = record.name(decision.decided_by)
        return f"{decision_kind(decision)} by the chair ({chair}), {when}"
    return f"{decision_kind(decision)}: {procedure(decision)}, {when}"


def revision_line(record: SummaryRecord, revision: RevisionEntry) -> str:
    """ "published 2020-07-18 10:00 CEST by U0SEC0001; final concerns until ..." """
    by = record.name(revision.published_by)
    line = f"published {local(record, revision.published_at)} by {by}"
    if revision.concerns_deadline_at is not None:
        line += f"; final concerns until {local(record, revision.concerns_deadline_at)}"
    return line


def _group_about(group: GroupEntry) -> str:
    if group.item is not None:
        about = f"Item {group.item}: {group.item_title}"
        return f"{about} ({group.topic})" if group.topic else about
    return f"Topic: {group.topic}"


def group_facts(record: SummaryRecord, group: GroupEntry) -> list[tuple[str, str]]:
    channel = f"#{group.channel_name}" if group.channel_name else "not created yet"
    pairs = [("On", _group_about(group))]
    if group.purpose:
        pairs.append(("Purpose", group.purpose))
    pairs += [
        (
            "Members",
            ", ".join(f"{m.name or m.user} ({m.delegation})" for m in group.members) or "none",
        ),
        ("Channel", f"{channel} (private)"),
        ("Set up", f"by {record.name(group.created_by)}, {local(record, group.created_at)}"),
    ]
    return pairs


def contribution_notes(entry: ContributionEntry) -> list[str]:
    notes = ["(reply in a thread)"] if entry.in_thread else []
    if entry.revisions > 0:
        notes.append(f"({_edited(entry.revisions)})")
    if entry.status == "withdrawn":
        notes.append("[withdrawn]")
    return notes


def contributor(entry: ContributionEntry) -> str:
    who = entry.author or entry.user
    return f"{who} ({entry.delegation})" if entry.delegation else who


def author(comment: CommentEntry) -> str:
    """The comment's author by name, else by Slack user id."""
    return comment.author or comment.user


def template_context(record: SummaryRecord) -> dict[str, object]:
    """Everything record.md.j2 and record.html.j2 read: the record itself, its tables, and the
    phrases above (those that need the meeting's time zone bound to this record)."""
    helpers: dict[str, Callable[..., object]] = {
        "local": partial(local, record),
        "decision_line": partial(decision_line, record),
        "revision_line": partial(revision_line, record),
        "group_facts": partial(group_facts, record),
        "safe_href": safe_href,
        "comment_notes": comment_notes,
        "kind_note": kind_note,
        "delegations": delegations,
        "period_comments": period_comments,
        "final_concerns": final_concerns,
        "superseded": superseded,
        "has_concerns_window": has_concerns_window,
        "contribution_notes": contribution_notes,
        "contributor": contributor,
        "author": author,
    }
    return {
        "record": record,
        "facts": facts(record),
        "participation": participation(record),
        "kind_table": kind_table(record),
        "item_table": item_table(record),
        "classification_table": classification_table(record),
        "week_table": week_table(record),
        "decision_table": decision_table(record),
        "roster_table": roster_table(record),
        **helpers,
    }
