"""The App Home: published when opened, and the secretariat's digest and record buttons.

Opening the Home notes the viewer (`home_viewer`), builds their view in the acknowledgement's
session and publishes it after (views.publish in the lazy listener).  A change republishes the
Homes it concerns only for people who have opened theirs, paced within views.publish's rate
limit (Tier 4: 100 a minute, with short bursts).  The buttons do exactly what `/digest` and
`/record` do, through the same functions: the secretariat check (which audits a refusal) in the
ack half, `handlers.secretariat.carry_out` after it.  A Home has no place for an ephemeral
answer, so a refusal goes to the user by direct message.
"""

import logging
import threading
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from sqlmodel import Session, col, select

from bot.domain.audit import record_audit
from bot.domain.home import build_homes, home_viewers, remember_viewer, viewers_concerned
from bot.domain.languages import language_of, meeting_languages, participant_language
from bot.domain.permissions import Permission, require
from bot.slack.api import Call, Outbound, send_calls
from bot.views.digest import STALE_HOME_BUTTON
from bot.views.home import home_view
from bot.views.i18n import SOURCE_LANGUAGE, _, speaking
from bot.views.refusals import refusal_text
from handlers.outbound import plan, send_planned_calls
from handlers.secretariat import carry_out
from models import Meeting, Participant

BUTTONS = {"home_digest": "digest", "home_record": "record"}


def register(app: App) -> None:
    app.event("app_home_opened")(ack=publish_home, lazy=[send_planned_calls])
    for action_id in BUTTONS:
        app.action(action_id)(ack=press_button, lazy=[send_planned_calls, carry_out])


# Workspace URLs by (API URL, token): one auth.test per process, not one per Home.
_team_urls: dict[tuple[str, str | None], str] = {}


def team_url(context: BoltContext) -> str | None:
    """The workspace URL, to link each item's thread the way the digest links comments.

    Bolt's single-workspace authorisation keeps no URL from its own auth.test, so the first
    Home a process builds asks once; if Slack will not say, links fall back to the channel.
    """
    result = context.authorize_result
    if result is not None and result.url:
        return result.url
    client = context.client
    key = (client.base_url, client.token)
    if key not in _team_urls:
        url = Outbound(client).team_url()
        if url is None:
            return None
        _team_urls[key] = url
    return _team_urls[key]


def publish_home(ack: Ack, event: dict[str, Any], context: BoltContext) -> None:
    user = event.get("user")
    if user and event.get("tab", "home") == "home":
        with context["db"].session() as session:
            remember_viewer(session, user_id=user, now=context["now"])
            calls = refresh_home_calls(
                session, user_ids=[user], now=context["now"], team_url=team_url(context)
            )
        plan(context, calls)
    ack()


def press_button(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    user = body["user"]["id"]
    action = body["actions"][0]
    name = BUTTONS[action["action_id"]]
    now = context["now"]
    with context["db"].session() as session:
        meeting_id = int(action["value"]) if str(action.get("value", "")).isdigit() else None
        meeting = session.get(Meeting, meeting_id) if meeting_id is not None else None
        if meeting is None:
            record_audit(
                session,
                now=now,
                actor=user,
                action=name,
                outcome="refused",
                detail=f"Home button for an unknown meeting: {action.get('value')!r}",
            )
            with speaking(viewer_languages(session, [user])[user]):
                refusal: str | None = _(STALE_HOME_BUTTON)
        else:
            refused = require(
                session,
                meeting=meeting,
                user_id=user,
                permission=Permission.MANAGE,
                action=name,
                now=now,
                detail="not secretariat",
            )
            with speaking(language_of(session, meeting=meeting, user_id=user)):
                refusal = refusal_text(refused) if refused is not None else None
    if refusal is not None:
        plan(context, [Call("chat_postMessage", {"channel": user, "text": refusal})])
    else:
        context["task"] = {"action": name, "meeting_id": meeting_id, "user": user}
    ack()


def ask_refresh(
    context: BoltContext, *, meeting_id: int | None, chair: bool = False, everyone: bool = False
) -> None:
    """Ask the `refresh_homes` lazy listener to republish the Homes this change concerns."""
    context["refresh_homes"] = {"meeting_id": meeting_id, "chair": chair, "everyone": everyone}


def refresh_homes(context: BoltContext, client: WebClient, logger: logging.Logger) -> None:
    """After the answer: republish the Home of each viewer a decision, a silence procedure or
    a moved deadline concerns.  Replies do not republish: a Home is rebuilt each time it is
    opened, and a views.publish per viewer per reply cost more than capturing the reply."""
    target = context.get("refresh_homes")
    if not target or target["meeting_id"] is None:
        return
    _publish(
        context,
        client,
        logger,
        lambda session: viewers_concerned(
            session,
            meeting_id=target["meeting_id"],
            chair=target["chair"],
            everyone=target["everyone"],
        ),
    )


def publish_homes(
    context: BoltContext,
    client: WebClient,
    logger: logging.Logger,
    *,
    meeting_id: int,
    users: list[str],
) -> None:
    """Republish the Homes of `users` and of the meeting's secretariat, from inside a lazy
    listener whose own work decides who is concerned (a drafting group once it is set up)."""
    _publish(
        context,
        client,
        logger,
        lambda session: home_viewers(
            session, user_ids=[*users, *viewers_concerned(session, meeting_id=meeting_id)]
        ),
    )


def _publish(
    context: BoltContext,
    client: WebClient,
    logger: logging.Logger,
    viewers: Callable[[Session], list[str]],
) -> None:
    """Rebuild and publish the Homes of `viewers`, read in the same session, each views.publish
    waiting its turn under the method's rate limit."""
    with context["db"].session(read_only=True) as session:
        calls = refresh_home_calls(
            session, user_ids=viewers(session), now=context["now"], team_url=team_url(context)
        )
    errors: list[str] = []
    for call in calls:
        PUBLISH_PACER.wait()
        errors += send_calls(client, [call])
    if errors:
        logger.warning("Home refresh failed for some viewers: %s", "; ".join(errors))


class PublishPacer:
    """A token bucket for views.publish: `burst` calls at once, then `per_minute` a minute.

    Slack rates views.publish at Tier 4 (100+ a minute per workspace); the bucket keeps every
    process's republishing under it.  Injected `sleep` and `clock` let tests check the pacing
    without waiting for it.
    """

    def __init__(
        self,
        *,
        per_minute: float = 100.0,
        burst: int = 20,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.rate = per_minute / 60.0
        self.burst = float(burst)
        self._sleep = sleep
        self._clock = clock
        self._tokens = float(burst)
        self._at = clock()
        self._lock = threading.Lock()

    def wait(self) -> None:
        with self._lock:
            now = self._clock()
            self._tokens = min(self.burst, self._tokens + (now - self._at) * self.rate)
            self._at = now
            if self._tokens < 1.0:
                delay = (1.0 - self._tokens) / self.rate
                self._sleep(delay)
                self._at = now + delay
                self._tokens = 1.0
            self._tokens -= 1.0


# One per process, shared by every listener that republishes Homes (like the team URLs above).
PUBLISH_PACER = PublishPacer()


def refresh_home_calls(
    session: Session, *, user_ids: list[str], now: datetime, team_url: str | None
) -> list[Call]:
    """One views.publish per viewer, to send after the acknowledgement like any other Call;
    each Home in its viewer's language (`viewer_languages`)."""
    homes = build_homes(session, user_ids=user_ids, now=now, team_url=team_url)
    languages = viewer_languages(session, list(homes))
    calls: list[Call] = []
    for home in homes.values():
        language = languages[home.user_id]
        with speaking(language):
            calls.append(publish_call(home.user_id, home_view(home)))
    return calls


def viewer_languages(session: Session, user_ids: list[str]) -> dict[str, str]:
    """The language each viewer's Home reads in (one query): the one they read the first of
    their meetings in (by key, the Home's order); for someone on no roster, the main language
    of the meetings loaded when they all have one, else English."""
    if not user_ids:
        return {}
    found: dict[str, str] = {}
    for participant, meeting in session.exec(
        select(Participant, Meeting)
        .join(Meeting, col(Meeting.id) == col(Participant.meeting_id))
        .where(col(Participant.user_id).in_(user_ids), col(Participant.active))
        .order_by(col(Meeting.key), col(Participant.id))
    ):
        found.setdefault(participant.user_id, participant_language(meeting, participant))
    strangers = [user for user in user_ids if user not in found]
    if strangers:
        mains = {meeting_languages(m)[0] for m in session.exec(select(Meeting))}
        default = mains.pop() if len(mains) == 1 else SOURCE_LANGUAGE
        found.update(dict.fromkeys(strangers, default))
    return found


def publish_call(user_id: str, view: dict[str, Any]) -> Call:
    return Call("views_publish", {"user_id": user_id, "view": view})
