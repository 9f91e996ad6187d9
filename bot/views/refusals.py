"""A refusal in words: what the person asked for, who may do it, and where to turn instead."""

from bot.domain.permissions import Permission, Refusal
from bot.views.messages import escape


def refusal_text(refusal: Refusal) -> str:
    title = refusal.meeting_title
    chairs = ", ".join(f"<@{c}>" for c in refusal.chairs)
    match refusal.permission:
        case Permission.DECIDE:
            return (
                f"Only the chair of {title} ({chairs or 'the chair'}) can record decisions. "
                "If you think the committee should decide, say so in the item's thread."
            )
        case Permission.MOVE_DEADLINE:
            return f"Only the chair ({chairs}) or the secretariat can move a deadline of {title}."
        case Permission.OBJECT:
            if refusal.role == "observer":
                return "Observers may comment but cannot object in a silence procedure."
            return "Only a delegate of a member delegation can break silence."
        case Permission.MANAGE:
            return f"Only the secretariat of {title} can use /{refusal.action}."
        case Permission.CLASSIFY_ANY:
            return f"Only the author of this comment or the secretariat of {title} can classify it."
        case Permission.WRITE_IN_ANY_GROUP:
            return f"Only the members of this drafting group of {escape(title)} write in it."
