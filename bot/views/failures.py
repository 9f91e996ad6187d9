"""What the secretariat reads when Slack refused a delivery for good, and what to do about it.

The clock does not retry such a delivery (bot/clock/claims.py): each one is reported once, by
direct message, with the remedy for Slack's error.  The command line says the same sentence
when `load` or `post` finds the bot outside the meeting's channel.
"""

from bot.views.messages import SlackMessage, escape

BOT_NAME = "@Docket"

# What each delivery kind is, in words ("the reminder for item 3").
DELIVERY_KINDS = {
    "post": "the agenda item",
    "close": "the closing notice",
    "reminder": "the reminder",
    "nudge": "the nudge",
    "silence": "the adoption notice",
    "revision": "the revised document's announcement",
    "concerns_reminder": "the final-concerns reminder",
    "concerns_close": "the end of final concerns",
    "digest": "the digest",
    "session_close": "the end-of-session notice",
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


def channel_mention(channel: str) -> str:
    return f"<#{channel}>" if channel[:1] in ("C", "G") else f"`{escape(channel)}`"


def invite_text(channel_name: str) -> str:
    """The one instruction when the bot is not in the meeting's channel (command line)."""
    return f"invite {BOT_NAME} to #{channel_name} (type /invite {BOT_NAME} in the channel)"


def not_a_member_text(channel_name: str) -> str:
    return f"Docket is not in the meeting channel #{channel_name}: {invite_text(channel_name)}"


def membership_text(*, member: bool | None, name: str, error: str) -> str | None:
    """What the command line says about the bot's place in the meeting channel (None: in it)."""
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
    where = channel_mention(channel)
    if code == "not_in_channel":
        fix = f"Invite {BOT_NAME} to {where}: type `/invite {BOT_NAME}` in the channel."
    elif code == "channel_not_found":
        fix = (
            f"Docket cannot see the channel {where}. If it is private, invite {BOT_NAME} to it "
            f"(`/invite {BOT_NAME}`); otherwise correct `channel:` in the meeting file and "
            "load it again."
        )
    elif code == "is_archived":
        fix = (
            f"The channel {where} is archived: unarchive it, or set another `channel:` in the "
            "meeting file and load it again."
        )
    elif code == "missing_scope":
        needed = error[len(code) :].strip(" ()").removeprefix("needed ").strip()
        scope = f" (`{escape(needed)}`)" if needed else ""
        fix = (
            f"The app lacks a permission{scope}: reinstall it to the workspace from its "
            "manifest (manifest.yml), which lists every permission Docket needs."
        )
    elif code == "user_not_found":
        who = f"<@{recipient}>" if recipient else "A participant"
        fix = (
            f"{who} is not a member of this workspace: correct the meeting file and load it again."
        )
    elif code in BAD_TOKEN:
        fix = "Docket's Slack token is no longer valid: reinstall the app and set SLACK_BOT_TOKEN."
    elif code in REFUSED_CONTENT:
        fix = (
            "Slack refused the message as Docket built it. This is a fault in Docket, not in "
            "your settings: report it with the error above. Nothing is lost: the record "
            "(`python -m bot export`) holds everything."
        )
    else:
        fix = "The bot's log has the details."
    again = f" Then {retry}." if retry else " Docket will not send it again by itself."
    return fix + again


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
    what = DELIVERY_KINDS.get(kind, f"a message ({kind})")
    if item_number is not None:
        what += f" for item {item_number}"
    if recipient is not None and kind != "post":
        what += f" to <@{recipient}>"
    retry = (
        f"post it again: *Post now* in `/agenda`, or `python -m bot post {item_number}`"
        if kind == "post"
        else None
    )
    head = (
        f":warning: *{escape(meeting_title)}*: Docket could not deliver {what}. "
        f"Slack answered `{escape(error)}`, which no retry will cure."
    )
    fix = remedy(error, channel=channel, recipient=recipient, retry=retry)
    return SlackMessage(
        text=f"{head} {fix}",
        blocks=[
            {"type": "section", "text": {"type": "mrkdwn", "text": head}},
            {"type": "section", "text": {"type": "mrkdwn", "text": fix}},
        ],
    )
