"""The offer to ask to join a meeting, made privately to someone not on its roster: beside their
reply kept aside in an item's thread (handlers/messages.py), and after a slash command in the
meeting's channel (handlers/outbound.py, `in_meeting`).  The Home makes it through its own
view (bot/views/home.py); the button it carries is answered by handlers/enrolment.py.

Someone not on the roster has no language of their own yet: the offer is in every meeting
language, in one message, with one "Ask to join" button per language.  A leaf among the
handlers (it imports none of them), so the shared kit may use it.
"""

from typing import Any

from sqlmodel import Session

from bot.domain.comments import Capture
from bot.domain.enrolment import Offer, offer_for, offer_in_thread
from bot.slack.api import Call
from bot.views.enrolment import command_offer, stray_offer
from bot.views.fit import SlackMessage
from bot.views.i18n import in_languages, speaking
from bot.views.notices import stray_notice
from models import Meeting


def _ephemeral(
    channel: str, user: str, message: SlackMessage, *, thread_ts: str | None = None
) -> Call:
    args: dict[str, Any] = {"channel": channel, "user": user, "text": message.text}
    if message.blocks:
        args["blocks"] = message.blocks
    if thread_ts:
        args["thread_ts"] = thread_ts
    return Call("chat_postEphemeral", args, tolerate=("user_not_in_channel",))


def stray_offer_calls(session: Session, capture: Capture) -> list[Call]:
    """Told to the author of a reply kept aside: kept, not a comment, and how to ask to join."""
    assert capture.user_id is not None and capture.thread_ts is not None
    offer: Offer | None = offer_in_thread(
        session, channel=capture.channel, thread_ts=capture.thread_ts, user_id=capture.user_id
    )
    if offer is None:  # the session is closed: nothing to join, the notice as it was
        with speaking(capture.language):
            text = stray_notice(capture.meeting_title, capture.item_number, capture.secretariat)
        message = SlackMessage(text=text)
    else:
        found = offer
        message = in_languages(found.languages, lambda: stray_offer(found, capture.item_number))
    return [_ephemeral(capture.channel, capture.user_id, message, thread_ts=capture.thread_ts)]


def command_offer_calls(
    session: Session, *, meeting: Meeting, user_id: str, channel: str
) -> list[Call]:
    """After a slash command in `meeting`'s channel from someone not on its roster: the offer
    (nothing for someone on it, or when the session is closed)."""
    offer = offer_for(session, meeting=meeting, user_id=user_id)
    if offer is None:
        return []
    return [
        _ephemeral(channel, user_id, in_languages(offer.languages, lambda: command_offer(offer)))
    ]
