"""The demo's request to join: a delegate from another administration, not on the roster, joins
from Slack.

Played right after their first reply in an item's thread (kept aside, with the private offer to
ask to join), while the item is still open:

1. they press "Demander à rejoindre" (they read French) and send the form: Senegal, their name
   and function;
2. the first secretariat member approves from the direct message Docket sent them;
3. the secretariat attaches the reply kept aside as a formal comment, with its original time;
4. their next reply in the thread is a formal comment of Senegal's.

Every request goes through the real app as Slack sends it; the scene checks what came back.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bot.demo.standin import Delivery, SlackSender, SlackStandIn
from bot.demo.standin.server import dm_channel_id
from bot.views.enrolment import (
    ABOUT_ACTION,
    ABOUT_BLOCK,
    APPROVE,
    ASK_TO_JOIN,
    ATTACH,
    DELEGATION_ACTION,
    DELEGATION_BLOCK,
    LANGUAGE_ACTION,
    LANGUAGE_BLOCK,
    NAME_ACTION,
    NAME_BLOCK,
)

# Who asks: the fourth stranger of the script ("Could someone add me to our delegation? I am
# replacing our head of delegation this week."), from Senegal's customs administration.
ENROLLING = "U0GUEST04"
ENROLLING_TEAM = "T0DOUANESN"  # their own workspace: they reach the channel through Slack Connect
DELEGATION = "Senegal"
NAME = "Mamadou Ndiaye"
ABOUT = "Direction générale des douanes du Sénégal, chef du bureau de la réglementation"
NEXT_REPLY = (
    "Le Sénégal appuie la proposition et remercie le Secrétariat pour ce document. "
    "Nous suggérons de préciser le calendrier de mise en œuvre."
)


@dataclass
class EnrolmentResult:
    asked: bool = False
    approved: bool = False
    attached: int = 0  # replies kept aside that became formal comments
    next_reply: str | None = None  # the ts of their reply after approval
    requests: int = 0
    failures: list[str] = field(default_factory=list)

    def line(self) -> str:
        if not self.approved:
            return "no request to join was approved"
        return (
            f"{NAME} ({DELEGATION}, not on the roster) asked to join from Slack, the secretariat "
            f"approved, {self.attached} reply kept aside attached as a formal comment, and their "
            "next reply recorded as Senegal's"
        )


def play_enrolment(
    *,
    sender: SlackSender,
    slack: SlackStandIn,
    drain: Callable[[], None],
    channel: str,
    thread_ts: str,
    secretary: str,
) -> EnrolmentResult:
    result = EnrolmentResult()

    def answered(delivery: Delivery, what: str) -> bool:
        result.requests += 1
        drain()
        if delivery.status != 200:
            result.failures.append(f"{what} answered {delivery.status}")
            return False
        return True

    offers = [c for c in slack.calls_to("chat.postEphemeral") if c.params["user"] == ENROLLING]
    ask = _button(offers[-1].params.get("blocks") or [], f"{ASK_TO_JOIN}_fr") if offers else None
    if ask is None:
        result.failures.append("the stranger was not offered to ask to join")
        return result
    pressed = sender.button(
        action_id=ask["action_id"],
        value=ask["value"],
        user=ENROLLING,
        channel=channel,
        message_ts=thread_ts,
    )
    if not answered(pressed, "the Ask to join button"):
        return result
    form = slack.calls_to("views.open")[-1].params["view"]
    option = _option(form, DELEGATION)
    sent = sender.view_submission(
        callback_id=form["callback_id"],
        user=ENROLLING,
        private_metadata=form.get("private_metadata", ""),
        values={
            DELEGATION_BLOCK: {
                DELEGATION_ACTION: {"type": "static_select", "selected_option": option}
            },
            NAME_BLOCK: {NAME_ACTION: {"type": "plain_text_input", "value": NAME}},
            ABOUT_BLOCK: {ABOUT_ACTION: {"type": "plain_text_input", "value": ABOUT}},
            LANGUAGE_BLOCK: {
                LANGUAGE_ACTION: {"type": "radio_buttons", "selected_option": {"value": "fr"}}
            },
        },
    )
    if not answered(sent, "the request form"):
        return result
    result.asked = True

    dm = dm_channel_id([secretary])
    notice = next(
        (m for m in reversed(slack.messages.get(dm, [])) if _button(m.get("blocks"), APPROVE)),
        None,
    )
    approve = _button(notice.get("blocks") if notice else None, APPROVE)
    if notice is None or approve is None:
        result.failures.append("the secretariat got no request to decide")
        return result
    decided = sender.button(
        action_id=APPROVE,
        value=approve["value"],
        user=secretary,
        channel=dm,
        message_ts=notice["ts"],
    )
    if not answered(decided, "the Approve button"):
        return result
    result.approved = True

    found = next(
        (
            (m, b)
            for m in reversed(slack.messages.get(dm, []))
            if (b := _button(m.get("blocks"), ATTACH)) is not None
        ),
        None,
    )
    if found is None:
        result.failures.append("no reply kept aside was offered for attaching")
    else:
        message, attach = found
        before = len(slack.calls_to("reactions.add"))
        attached = sender.button(
            action_id=ATTACH,
            value=attach["value"],
            user=secretary,
            channel=dm,
            message_ts=message["ts"],
        )
        if answered(attached, "the Attach button"):
            result.attached = len(slack.calls_to("reactions.add")) - before

    reply = sender.reply(channel=channel, user=ENROLLING, text=NEXT_REPLY, thread_ts=thread_ts)
    if answered(reply, "the enrolled delegate's reply"):
        result.next_reply = reply.ts
    return result


def _button(blocks: list[dict[str, Any]] | None, action_id: str) -> dict[str, Any] | None:
    for block in blocks or []:
        elements = [*block.get("elements", []), block.get("accessory") or {}]
        for element in elements:
            if isinstance(element, dict) and element.get("action_id") == action_id:
                return element
    return None


def _option(form: dict[str, Any], label: str) -> dict[str, Any]:
    """The delegation's option in the form's select (members and observers in two groups)."""
    for block in form.get("blocks", []):
        if block.get("block_id") != DELEGATION_BLOCK:
            continue
        element = block["element"]
        options = [o for g in element.get("option_groups", []) for o in g["options"]]
        options += element.get("options", [])
        for option in options:
            if option["text"]["text"] == label:
                return dict(option)
    raise LookupError(f"no delegation {label!r} in the form")
