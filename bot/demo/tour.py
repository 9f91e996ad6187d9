"""The demo's Slack-native round: what delegates, the chair and the secretariat do with buttons,
shortcuts and the Home tab rather than by replying.

Played once the scripted replies are in and before the session closes, so the record and the
final digest show its results:

- every third reply that its author would classify is marked through the "Classify comment"
  message shortcut and its modal, by the author (the secretariat sorts a few more);
- the chair, a secretariat member and a few delegates open Docket's App Home;
- a delegate and the secretariat run `/agenda`.

Every request goes through the real app as Slack would send it; the round checks what came back.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.demo.script import Reply
from bot.demo.standin import Delivery, SlackSender, SlackStandIn
from bot.views.classify import CLASSIFY_FORM as CLASSIFY
from bot.views.classify import KIND_BLOCK

HOME_VISITS = 3  # delegates who open the Home, besides the chair and a secretariat member


@dataclass
class TourResult:
    classified: int = 0  # comments given a kind through the shortcut
    by_secretariat: int = 0  # of which the secretariat classified
    homes: int = 0  # App Home views published for the people who opened it
    agenda_answers: int = 0
    requests: int = 0
    failures: list[str] = field(default_factory=list)

    def line(self) -> str:
        return (
            f"{self.classified} comments classified with the message shortcut "
            f"({self.by_secretariat} by the secretariat, the rest by their authors); "
            f"App Home published for {self.homes} people who opened it; "
            f"/agenda answered {self.agenda_answers} times"
        )


@dataclass(frozen=True)
class Posted:
    """A reply as it was posted: where it is and who wrote it."""

    reply: Reply
    author: str  # Slack user id
    ts: str
    thread_ts: str


def play_tour(
    *,
    sender: SlackSender,
    slack: SlackStandIn,
    drain: Callable[[], None],
    channel: str,
    posted: Sequence[Posted],
    chair: str,
    secretariat: str,
) -> TourResult:
    result = TourResult()

    def check(what: str, delivery: Delivery) -> bool:
        result.requests += 1
        if delivery.status != 200:
            result.failures.append(f"{what} answered {delivery.status}")
            return False
        return True

    classifiable = [p for p in posted if p.reply.kind is not None]
    for index, item in enumerate(classifiable):
        if index % 3:
            continue
        # The secretariat sorts every fifth of these; authors mark the rest themselves.
        by = secretariat if index % 5 == 0 else item.author
        if _classify(sender, slack, drain, channel, item, by, check):
            result.classified += 1
            result.by_secretariat += by == secretariat

    delegates = list(dict.fromkeys(p.author for p in posted if p.reply.kind is not None))
    for user in [chair, secretariat, *delegates[:HOME_VISITS]]:
        if check("app_home_opened", sender.app_home_opened(user)):
            drain()
            if slack.home_view(user) is not None:
                result.homes += 1
            else:
                result.failures.append(f"no App Home published for {user}")

    for user in [*delegates[:1], secretariat]:
        agenda = sender.command(command="/agenda", text="", user=user, channel=channel)
        answer = agenda.json() if check("/agenda", agenda) else {}
        if str(answer.get("text", "")).startswith("Agenda of") and answer.get("blocks"):
            result.agenda_answers += 1
        else:
            result.failures.append(f"/agenda gave {user} no agenda: {agenda.body[:200]}")
        drain()
    return result


def _classify(
    sender: SlackSender,
    slack: SlackStandIn,
    drain: Callable[[], None],
    channel: str,
    item: Posted,
    by: str,
    check: Callable[[str, Delivery], bool],
) -> bool:
    """The shortcut on the reply, then the modal submitted with the reply's kind."""
    opened_before = len(slack.calls_to("views.open"))
    shortcut = sender.message_shortcut(
        callback_id=CLASSIFY,
        user=by,
        channel=channel,
        ts=item.ts,
        thread_ts=item.thread_ts,
        message_user=item.author,
        text=item.reply.text,
    )
    if not check("classify shortcut", shortcut):
        return False
    drain()
    opened = slack.calls_to("views.open")[opened_before:]
    if not opened:
        return False  # refused privately (say, a withdrawn comment): nothing to submit
    view: dict[str, Any] = opened[-1].params["view"]
    submitted = sender.view_submission(
        callback_id=view["callback_id"],
        user=by,
        private_metadata=view["private_metadata"],
        values={
            KIND_BLOCK: {
                KIND_BLOCK: {"type": "radio_buttons", "selected_option": {"value": item.reply.kind}}
            }
        },
    )
    drain()
    return check("classify submission", submitted) and submitted.body == ""
