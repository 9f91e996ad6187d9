"""What the Markdown and the HTML record say about each item, comment, decision, revised
document and drafting group: the short phrases and groupings both templates show, and
`template_context`, the one set of values both templates are rendered with.

The markup lives in bot/record/templates/; nothing here knows Markdown or HTML.  Every phrase
is in the active language (bot/views/i18n.py); what people wrote stays as they wrote it.
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
from bot.record.languages import delegation_name, kind_word
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
from bot.views.i18n import _, active_language, ngettext
from bot.views.labels import COMMENT_KIND_LABELS


@dataclass(frozen=True)
class DelegationComments:
    heading: str  # "Australia (member)", but plain "Chair" and "Secretariat"
    comments: list[CommentEntry]


def safe_href(url: str) -> str | None:
    # Document links are plain links; anything but web and mail addresses is shown as text.
    return url if urlsplit(url.strip()).scheme.lower() in {"http", "https", "mailto"} else None


def _edited(revisions: int) -> str:
    return ngettext("(edited {count} time)", "(edited {count} times)", revisions)


def comment_notes(comment: CommentEntry) -> list[str]:
    notes = []
    if comment.revisions > 0:
        notes.append(_edited(comment.revisions))
    if comment.late:
        notes.append(_("late"))
    if comment.status == "withdrawn":
        notes.append(_("[withdrawn]"))
    return notes


def kind_note(comment: CommentEntry) -> str | None:
    """The comment's classification as shown beside it; nothing when it is not classified."""
    label = COMMENT_KIND_LABELS.get(comment.comment_kind or "")
    return _(label) if label else None


def _group_heading(delegation: str, kind: str) -> str:
    if delegation.lower() == kind:
        return delegation_name(delegation, kind)
    return f"{delegation} ({kind_word(kind)})"


def delegations(comments: list[CommentEntry]) -> list[DelegationComments]:
    """The comments under their delegations, in the order the delegations first appear: the
    record gives them in roster order, then by time."""
    groups: dict[tuple[str, str], list[CommentEntry]] = {}
    for comment in comments:
        key = (comment.delegation, comment.kind)
        group = groups.get(key)
        if group is None:  # no empty list made (and dropped) for each comment
            groups[key] = [comment]
        else:
            group.append(comment)
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
    kind = decision_kind(decision)
    if decision.procedure == "chair":
        chair = record.name(decision.decided_by)
        return _("{decision} by the chair ({chair}), {when}", decision=kind, chair=chair, when=when)
    return _(
        "{decision}: {procedure}, {when}", decision=kind, procedure=procedure(decision), when=when
    )


def revision_line(record: SummaryRecord, revision: RevisionEntry) -> str:
    """ "published 2020-07-18 10:00 CEST by U0SEC0001; final concerns until ..." """
    by = record.name(revision.published_by)
    when = local(record, revision.published_at)
    if revision.concerns_deadline_at is None:
        return _("published {when} by {by}", when=when, by=by)
    until = local(record, revision.concerns_deadline_at)
    return _(
        "published {when} by {by}; final concerns until {until}", when=when, by=by, until=until
    )


def _group_about(group: GroupEntry) -> str:
    if group.item is None:
        return _("Topic: {topic}", topic=group.topic)
    if group.topic:
        return _(
            "Item {number}: {title} ({topic})",
            number=group.item,
            title=group.item_title,
            topic=group.topic,
        )
    return _("Item {number}: {title}", number=group.item, title=group.item_title)


def group_facts(record: SummaryRecord, group: GroupEntry) -> list[tuple[str, str]]:
    channel = f"#{group.channel_name}" if group.channel_name else _("not created yet")
    pairs = [(_("On"), _group_about(group))]
    if group.purpose:
        pairs.append((_("Purpose"), group.purpose))
    members = ", ".join(
        f"{m.name or m.user} ({delegation_name(m.delegation, m.kind)})" for m in group.members
    )
    pairs += [
        (_("Members"), members or _("none")),
        (_("Channel"), _("{channel} (private)", channel=channel)),
        (
            _("Set up"),
            _(
                "by {who}, {when}",
                who=record.name(group.created_by),
                when=local(record, group.created_at),
            ),
        ),
    ]
    return pairs


def contribution_notes(entry: ContributionEntry) -> list[str]:
    notes = [_("(reply in a thread)")] if entry.in_thread else []
    if entry.revisions > 0:
        notes.append(_edited(entry.revisions))
    if entry.status == "withdrawn":
        notes.append(_("[withdrawn]"))
    return notes


def contributor(entry: ContributionEntry) -> str:
    who = entry.author or entry.user
    if not entry.delegation:
        return who
    return f"{who} ({delegation_name(entry.delegation, entry.kind)})"


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
        "lang": active_language(),
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
