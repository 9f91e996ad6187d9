"""The "Classify comment" modal and every word about a classification: the modal, reading its
submission back, and the private answers when a comment cannot be classified.

Pure builders: a `ClassifyTarget` or `ClassifyOutcome` in, a view or a sentence out, in the
active language (the reader's: everything here is private).  The kinds' names come from
bot/views/labels.py, like everywhere else.
"""

import json
from typing import Any

from bot.domain.attribution import ROLE_LABELS
from bot.domain.classify import ACTION, ClassifyOutcome, ClassifyTarget
from bot.views.fit import shorten
from bot.views.i18n import N_, _, translated
from bot.views.labels import COMMENT_KIND_HINTS, COMMENT_KIND_LABELS, kind_label
from bot.views.refusals import refusal_text

CLASSIFY_FORM = ACTION  # the shortcut's and the modal's callback_id: the audit action's name
KIND_BLOCK = "kind"  # the modal's input block and its radio buttons' action_id
EXCERPT = 600  # of the comment's text, in the modal

# The English texts; the views say them in the active language.
NOT_A_COMMENT = N_(
    "Only formal comments can be classified, and this message is not one: formal comments are "
    "the replies of registered participants in an agenda item's thread."
)
INVALID_KIND = "Choose one of: " + ", ".join(COMMENT_KIND_LABELS.values()) + "."
EXPIRED_FORM = N_(
    "This form no longer names a comment: use “Classify comment” on the comment again."
)
WITHDRAWN_NOTE = N_("This comment was withdrawn; it stays in the record, marked.")
# The chair and the secretariat speak for no delegation: the domain names them by their role.
ROLE_NAMES = {ROLE_LABELS["chair"]: N_("Chair"), ROLE_LABELS["secretariat"]: N_("Secretariat")}


def invalid_kind_text() -> str:
    """Under the choice when no known kind was chosen: the kinds, by name."""
    kinds = ", ".join(kind_label(kind) for kind in COMMENT_KIND_LABELS)
    return _("Choose one of: {kinds}.", kinds=kinds)


def expired_form_text() -> str:
    """Under the choice when the submitted form names no comment."""
    return _(EXPIRED_FORM)


def classify_modal(target: ClassifyTarget) -> dict[str, Any]:
    """The modal the shortcut opens: the comment, and the four kinds with the current one chosen.

    The comment is named in `private_metadata` (its channel and ts), as Slack sends it back.
    """
    options = {
        kind: {
            "text": {"type": "plain_text", "text": kind_label(kind)},
            "description": {"type": "plain_text", "text": _(COMMENT_KIND_HINTS[kind])},
            "value": kind,
        }
        for kind in COMMENT_KIND_LABELS
    }
    element: dict[str, Any] = {
        "type": "radio_buttons",
        "action_id": KIND_BLOCK,
        "options": list(options.values()),
    }
    if target.kind in options:
        element["initial_option"] = options[target.kind]
    text = shorten(target.text, EXCERPT, _("the whole comment is in the thread"))
    title = translated(target.item_title, target.item_translations, "title")
    about = _("Item {number}: {title}", number=target.item_number, title=title)
    who = ROLE_NAMES.get(target.delegation)
    delegation = _(who) if who is not None else target.delegation
    blocks: list[dict[str, Any]] = [
        {
            "type": "context",
            "elements": [{"type": "plain_text", "text": _clip(about, 2000)}],
        },
        {
            "type": "section",
            "text": {
                "type": "plain_text",
                "text": _clip(
                    _("{delegation}: {text}", delegation=delegation, text=text)
                    if text
                    else delegation,
                    3000,
                ),
            },
        },
    ]
    if target.withdrawn:
        blocks.append(
            {"type": "context", "elements": [{"type": "plain_text", "text": _(WITHDRAWN_NOTE)}]}
        )
    blocks.append(
        {
            "type": "input",
            "block_id": KIND_BLOCK,
            "label": {"type": "plain_text", "text": _("Kind of comment")},
            "element": element,
        }
    )
    return {
        "type": "modal",
        "callback_id": CLASSIFY_FORM,
        "title": {"type": "plain_text", "text": _("Classify comment")},
        "submit": {"type": "plain_text", "text": _("Save")},
        "close": {"type": "plain_text", "text": _("Cancel")},
        "private_metadata": json.dumps({"channel": target.channel, "ts": target.ts}),
        "blocks": blocks,
    }


def target_refusal_text(target: ClassifyTarget) -> str:
    """Why the modal does not open, privately: no recorded comment, or not allowed."""
    if target.refusal is not None:
        return refusal_text(target.refusal)
    return _(NOT_A_COMMENT)


def classify_error(outcome: ClassifyOutcome) -> str | None:
    """The field error that keeps the modal open, or None when the submission may close it."""
    match outcome.outcome:
        case "missing":
            return _(NOT_A_COMMENT)
        case "refused":
            assert outcome.refusal is not None
            return refusal_text(outcome.refusal)
        case "invalid":
            return invalid_kind_text()
        case "classified" | "unchanged":
            return None


def read_modal_comment(private_metadata: str) -> tuple[str, str] | None:
    """The (channel, ts) a submitted modal names, or None when it names none."""
    try:
        meta = json.loads(private_metadata or "{}")
    except json.JSONDecodeError:
        return None
    if not isinstance(meta, dict):
        return None
    channel, ts = meta.get("channel"), meta.get("ts")
    if not isinstance(channel, str) or not isinstance(ts, str) or not channel or not ts:
        return None
    return channel, ts


def read_modal_kind(values: dict[str, Any]) -> str | None:
    """The chosen kind's value as submitted (radio buttons or a static select), unchecked."""
    chosen = (values.get(KIND_BLOCK) or {}).get(KIND_BLOCK) or {}
    option = chosen.get("selected_option") or {}
    value = option.get("value") if isinstance(option, dict) else None
    return value if isinstance(value, str) else None


def _clip(text: str, limit: int) -> str:
    return shorten(text, limit)
