"""A refusal in words: what the person asked for, who may do it, and where to turn instead."""

from bot.domain.permissions import Permission, Refusal
from bot.views.i18n import _
from bot.views.messages import escape


def refusal_text(refusal: Refusal) -> str:
    title = refusal.meeting_title
    chairs = ", ".join(f"<@{c}>" for c in refusal.chairs)
    match refusal.permission:
        case Permission.DECIDE:
            return _(
                "Only the chair of {meeting} ({chairs}) can record decisions. "
                "If you think the committee should decide, say so in the item's thread.",
                meeting=title,
                chairs=chairs or _("the chair"),
            )
        case Permission.MOVE_DEADLINE:
            return _(
                "Only the chair ({chairs}) or the secretariat can move a deadline of {meeting}.",
                chairs=chairs,
                meeting=title,
            )
        case Permission.OBJECT:
            if refusal.role == "observer":
                return _("Observers may comment but cannot object in a silence procedure.")
            return _("Only a delegate of a member delegation can break silence.")
        case Permission.MANAGE:
            return _(
                "Only the secretariat of {meeting} can use /{command}.",
                meeting=title,
                command=refusal.action,
            )
        case Permission.CLASSIFY_ANY:
            return _(
                "Only the author of this comment or the secretariat of {meeting} can classify it.",
                meeting=title,
            )
        case Permission.WRITE_IN_ANY_GROUP:
            return _(
                "Only the members of this drafting group of {meeting} write in it.",
                meeting=escape(title),
            )
