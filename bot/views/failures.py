"""What the secretariat reads when Slack refused a delivery for good, and what to do about it.

The clock does not retry such a delivery (bot/clock/claims.py): each one is reported once, by
direct message in the reader's language, with the remedy for Slack's error.  The command line
says the same sentence, in English (the operators' tool), when `load` or `post` finds the bot
outside the meeting's channel.
"""

from bot.views.i18n import N_, _
from bot.views.messages import SlackMessage, escape

BOT_NAME = "@Docket"

# What each delivery kind is, in words ("the reminder for item 3"); translated where read.
DELIVERY_KINDS = {
    "post": N_("the agenda item"),
    "close": N_("the closing notice"),
    "reminder": N_("the reminder"),
    "nudge": N_("the nudge"),
    "silence": N_("the adoption notice"),
    "revision": N_("the revised document's announcement"),
    "concerns_reminder": N_("the final-concerns reminder"),
    "concerns_close": N_("the end of final concerns"),
    "digest": N_("the digest"),
    "session_close": N_("the end-of-session notice"),
    "item_details": N_("the agenda item's full text in its thread"),
    "decision": N_("the decision's announcement"),
    "silence_notice": N_("the silence procedure's notice"),
    "extension": N_("the notice of the new comment deadline"),
    "announce": N_("the item posted again"),
}

# Slack's errors that say the message as built was refused: a fault of Docket's, not the
# secretariat's; nothing in Slack's settings will make it pass.
REFUSED_CONTENT = frozenset(
    {
        "invalid_blocks",
        "invalid_blocks_format",
        "msg_too_long",
        "msg_blocks_too_long",
        "no_text",
        "invalid_arguments",
    }
)
BAD_TOKEN = frozenset({"invalid_auth", "account_inactive", "token_revoked", "not_authed"})


def _channel_mention(channel: str) -> str:
    return f"<#{channel}>" if channel[:1] in ("C", "G") else f"`{escape(channel)}`"


def invite_text(channel_name: str) -> str:
    """The one instruction when the bot is not in the meeting's channel (command line)."""
    return f"invite {BOT_NAME} to #{channel_name} (type /invite {BOT_NAME} in the channel)"


def not_a_member_text(channel_name: str) -> str:
    return f"Docket is not in the meeting channel #{channel_name}: {invite_text(channel_name)}"


def membership_text(*, member: bool | None, name: str, error: str) -> str | None:
    """What the command line says about the bot's place in the meeting channel (None: in it),
    in English."""
    if member:
        return None
    if member is None:
        return (
            f"could not check that Docket is in the meeting channel #{name} (Slack answered "
            f"{error}); if it is not, {invite_text(name)}"
        )
    if error:  # channel_not_found: private and without the bot, or a wrong id
        return (
            f"Slack does not show Docket the meeting channel {name}: if it is a private "
            f"channel, invite {BOT_NAME} to it (type /invite {BOT_NAME} in the channel); "
            "otherwise correct `channel:` in the "
            "meeting file and load it again"
        )
    return not_a_member_text(name)


def remedy(error: str, *, channel: str, recipient: str | None, retry: str | None) -> str:
    """What the secretariat can do about `error` (Slack's code, maybe with "(needed scope)")."""
    code = error.split(" ", 1)[0]
    where = _channel_mention(channel)
    if code == "not_in_channel":
        fix = _(
            "Invite {bot} to {channel}: type `/invite {bot}` in the channel.",
            bot=BOT_NAME,
            channel=where,
        )
    elif code == "channel_not_found":
        fix = _(
            "Docket cannot see the channel {channel}. If it is private, invite {bot} to it "
            "(`/invite {bot}`); otherwise correct `channel:` in the meeting file and load it "
            "again.",
            bot=BOT_NAME,
            channel=where,
        )
    elif code == "is_archived":
        fix = _(
            "The channel {channel} is archived: unarchive it, or set another `channel:` in the "
            "meeting file and load it again.",
            channel=where,
        )
    elif code == "missing_scope":
        needed = error[len(code) :].strip(" ()").removeprefix("needed ").strip()
        if needed:
            fix = _(
                "The app lacks a permission (`{scope}`): reinstall it to the workspace from its "
                "manifest (manifest.yml), which lists every permission Docket needs.",
                scope=escape(needed),
            )
        else:
            fix = _(
                "The app lacks a permission: reinstall it to the workspace from its manifest "
                "(manifest.yml), which lists every permission Docket needs."
            )
    elif code == "user_not_found":
        if recipient:
            mention = f"<@{recipient}>"
            fix = _(
                "{user} is not a member of this workspace: correct the meeting file and load it "
                "again.",
                user=mention,
            )
        else:
            fix = _(
                "A participant is not a member of this workspace: correct the meeting file and "
                "load it again."
            )
    elif code in BAD_TOKEN:
        fix = _(
            "Docket's Slack token is no longer valid: reinstall the app and set SLACK_BOT_TOKEN."
        )
    elif code in REFUSED_CONTENT:
        fix = _(
            "Slack refused the message as Docket built it. This is a fault in Docket, not in "
            "your settings: report it with the error above. Nothing is lost: the record "
            "(`python -m bot export`) holds everything."
        )
    else:
        fix = _("The bot's log has the details.")
    again = (
        _("Then {retry}.", retry=retry) if retry else _("Docket will not send it again by itself.")
    )
    return f"{fix} {again}"


def failure_notice(
    *,
    meeting_title: str,
    channel: str,
    kind: str,
    item_number: int | None,
    recipient: str | None,
    error: str,
) -> SlackMessage:
    """A direct message to a secretariat member: one delivery Slack refused for good."""
    what = _(DELIVERY_KINDS[kind]) if kind in DELIVERY_KINDS else _("a message ({kind})", kind=kind)
    to = f"<@{recipient}>" if recipient is not None and kind != "post" else None
    if item_number is not None and to is not None:
        what = _("{what} for item {number} to {user}", what=what, number=item_number, user=to)
    elif item_number is not None:
        what = _("{what} for item {number}", what=what, number=item_number)
    elif to is not None:
        what = _("{what} to {user}", what=what, user=to)
    retry = (
        _(
            "post it again: *Post now* in `/agenda`, or `python -m bot post {number}`",
            number=item_number,
        )
        if kind == "post"
        else None
    )
    head = _(
        ":warning: *{meeting}*: Docket could not deliver {what}. Slack answered `{error}`, "
        "which no retry will cure.",
        meeting=escape(meeting_title),
        what=what,
        error=escape(error),
    )
    fix = remedy(error, channel=channel, recipient=recipient, retry=retry)
    return SlackMessage(
        text=f"{head} {fix}",
        blocks=[
            {"type": "section", "text": {"type": "mrkdwn", "text": head}},
            {"type": "section", "text": {"type": "mrkdwn", "text": fix}},
        ],
    )
