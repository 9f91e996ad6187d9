"""Enrolment from Slack: "Ask to join" opens the form, its submission reaches the secretariat
by direct message, Approve or Decline decides, "Attach" records the person's replies kept aside.

The offer itself is made by handlers/enrolment_offer.py (in a thread, after a command) and by
the Home's view.  Each listener decides in one session, then its Web API calls go after the
acknowledgement (`send_enrolment_calls`, which keeps the secretariat's direct messages on the
request so a decision can update every one).  The form opens in the language of the button
pressed; what the secretariat reads is in each member's language, and the person is answered
in the language they chose.
"""

import json
import logging
import re
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlmodel import Session

from bot.domain.enrolment import (
    Attached,
    Notice,
    RequestLine,
    Ruling,
    Submitted,
    attach_replies,
    decide_request,
    match_pending,
    open_form,
    remember_notice,
    submit_request,
)
from bot.domain.languages import language_of, languages_of, meeting_languages
from bot.domain.meetings import profile_name
from bot.slack.api import Call, send_calls
from bot.views.enrolment import (
    ABOUT_ACTION,
    ABOUT_BLOCK,
    APPROVE,
    ASK_TO_JOIN,
    ATTACH,
    DECLINE,
    DELEGATION_ACTION,
    DELEGATION_BLOCK,
    ENROLMENT_FORM,
    LANGUAGE_ACTION,
    LANGUAGE_BLOCK,
    NAME_ACTION,
    NAME_BLOCK,
    PROBLEM_BLOCKS,
    attach_text,
    enrolment_form,
    form_unavailable,
    problem_text,
    request_notice,
    ruling_text,
    submitted_view,
    verdict_message,
)
from bot.views.i18n import available_languages, speaking
from handlers.home import ask_refresh, publish_homes, refresh_homes
from handlers.outbound import plan, post, receipt
from models import Meeting

NOTICE = "enrolment_notice:"  # a Call's `remember`: "enrolment_notice:<request id>:<user id>"


def register(app: App) -> None:
    app.action(re.compile(f"^{ASK_TO_JOIN}_"))(ack=ask, lazy=[send_enrolment_calls])
    app.view(ENROLMENT_FORM)(ack=submit, lazy=[send_enrolment_calls, refresh_homes])
    app.action(APPROVE)(ack=approve, lazy=[send_enrolment_calls, refresh_homes, after_approval])
    app.action(DECLINE)(ack=decline, lazy=[send_enrolment_calls, refresh_homes])
    app.action(ATTACH)(ack=attach, lazy=[send_enrolment_calls, refresh_homes])


# -- the form -------------------------------------------------------------------------------------


def ask(ack: Ack, body: dict[str, Any], action: dict[str, Any], context: BoltContext) -> None:
    """ "Ask to join": the form, opened at once with the trigger (good for 3 seconds)."""
    ack()
    value = _json(action.get("value"))
    meeting_id = value.get("meeting_id") if isinstance(value.get("meeting_id"), int) else None
    with context["db"].session(read_only=True) as session:
        form = open_form(session, meeting_id=meeting_id, user_id=body["user"]["id"])
    language = _form_language(form.meeting, value.get("language"))
    with speaking(language):
        view = enrolment_form(form, language) if form.kind == "form" else form_unavailable(form)
    plan(context, [Call("views_open", {"trigger_id": body["trigger_id"], "view": view})])


def submit(ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext) -> None:
    meta = _json(view.get("private_metadata"))
    meeting_id = meta.get("meeting_id") if isinstance(meta.get("meeting_id"), int) else None
    delegation, name, about, language = read_enrolment_form(view)
    user = body["user"]
    with context["db"].session() as session:
        submitted = submit_request(
            session,
            meeting_id=meeting_id,
            user_id=user["id"],
            user_team=_their_team(body, view),
            delegation_id=delegation,
            name=name,
            about=about,
            language=language,
            now=context["now"],
        )
        calls = _request_calls(session, submitted)
    with speaking(_form_language(submitted.meeting, meta.get("language"))):
        if submitted.kind == "invalid":
            errors = {PROBLEM_BLOCKS[p]: problem_text(p) for p in submitted.problems}
            ack(response_action="errors", errors=errors)
            return
        answer = submitted_view(submitted)
    plan(context, calls)
    if submitted.request is not None:
        ask_refresh(context, meeting_id=submitted.request.meeting.id)  # the secretariat's list
    ack(response_action="update", view=answer)


def read_enrolment_form(view: dict[str, Any]) -> tuple[int | None, str, str, str | None]:
    """(delegation id, name, organisation and function, language) from a submitted form."""
    values = (view.get("state") or {}).get("values") or {}

    def field(block: str, action: str) -> dict[str, Any]:
        found = (values.get(block) or {}).get(action)
        return found if isinstance(found, dict) else {}

    chosen = (field(DELEGATION_BLOCK, DELEGATION_ACTION).get("selected_option") or {}).get("value")
    delegation = int(chosen) if isinstance(chosen, str) and chosen.isdigit() else None
    name = field(NAME_BLOCK, NAME_ACTION).get("value") or ""
    about = field(ABOUT_BLOCK, ABOUT_ACTION).get("value") or ""
    picked = (field(LANGUAGE_BLOCK, LANGUAGE_ACTION).get("selected_option") or {}).get("value")
    return delegation, str(name), str(about), str(picked) if picked else None


def _their_team(body: dict[str, Any], view: dict[str, Any]) -> str | None:
    """The person's own workspace when it is not the one Docket is installed in: someone who
    reaches the meeting through Slack Connect (their payloads carry `user.team_id`)."""
    theirs = (body.get("user") or {}).get("team_id")
    host = (
        view.get("app_installed_team_id")
        or view.get("team_id")
        or (body.get("team") or {}).get("id")
    )
    return str(theirs) if theirs and host and theirs != host else None


def _request_calls(session: Session, submitted: Submitted) -> list[Call]:
    """The secretariat told of a request: each in their language, by direct message; a pending
    request asked again updates the messages already sent rather than sending more."""
    line = submitted.request
    if line is None or submitted.kind not in ("requested", "updated", "reopened"):
        return []
    if submitted.notices:
        return _notice_updates(session, line, submitted.notices)
    languages = languages_of(session, meeting=line.meeting, user_ids=list(submitted.secretariat))
    calls = []
    for user in submitted.secretariat:
        with speaking(languages[user]):
            message = request_notice(line)
        sent = post(user, message)
        calls.append(Call(sent.method, sent.args, remember=f"{NOTICE}{line.request_id}:{user}"))
    return calls


# -- the secretariat's decision -------------------------------------------------------------------


def approve(ack: Ack, body: dict[str, Any], action: dict[str, Any], context: BoltContext) -> None:
    _decide(ack, body, action, context, approve=True)


def decline(ack: Ack, body: dict[str, Any], action: dict[str, Any], context: BoltContext) -> None:
    _decide(ack, body, action, context, approve=False)


def _decide(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], context: BoltContext, *, approve: bool
) -> None:
    presser = body["user"]["id"]
    with context["db"].session() as session:
        ruling = decide_request(
            session,
            request_id=_request_id(action),
            user_id=presser,
            approve=approve,
            now=context["now"],
        )
        calls = _ruling_calls(session, ruling, presser)
    plan(context, calls)
    line = ruling.request
    if line is not None and ruling.kind == "declined":
        ask_refresh(context, meeting_id=line.meeting.id)  # off the secretariat's Homes
    elif line is not None and ruling.kind == "approved":
        # `after_approval` republishes the person's Home and the secretariat's.
        context["enrolled"] = {
            "request_id": line.request_id,
            "meeting_id": line.meeting.id,
            "user": line.user_id,
        }
    ack()


def _ruling_calls(session: Session, ruling: Ruling, presser: str) -> list[Call]:
    calls: list[Call] = []
    line = ruling.request
    if line is not None and ruling.kind in ("approved", "declined", "already"):
        calls += _notice_updates(session, line, ruling.notices)  # "already": mends any missed
    if line is not None and ruling.kind in ("approved", "declined"):
        with speaking(_person_language(line)):
            calls.append(post(line.user_id, verdict_message(line)))
    with speaking(_presser_language(session, ruling.meeting, presser)):
        text = ruling_text(ruling)
    if text is not None:
        calls.append(Call("chat_postMessage", {"channel": presser, "text": text}))
    return calls


def after_approval(context: BoltContext, client: WebClient, logger: logging.Logger) -> None:
    """After an approval: what Slack says of the person (their profile's name and locale, and
    the e-mail that may match a roster entry left pending), then their Home."""
    task = context.get("enrolled")
    if not task:
        return
    try:
        person = client.users_info(user=task["user"], include_locale=True)["user"]
    except SlackApiError as exc:
        logger.warning("users.info for %s failed: %s", task["user"], exc.response.get("error"))
        person = {}
    profile = person.get("profile") or {}
    with context["db"].session() as session:
        match_pending(
            session,
            request_id=task["request_id"],
            email=profile.get("email"),
            profile_name=profile_name(person) if person else None,
            locale=person.get("locale"),
            now=context["now"],
        )
    publish_homes(context, client, logger, meeting_id=task["meeting_id"], users=[task["user"]])


# -- replies kept aside ---------------------------------------------------------------------------


def attach(ack: Ack, body: dict[str, Any], action: dict[str, Any], context: BoltContext) -> None:
    presser = body["user"]["id"]
    with context["db"].session() as session:
        attached = attach_replies(
            session, request_id=_request_id(action), user_id=presser, now=context["now"]
        )
        calls = _attach_calls(session, attached, presser)
    plan(context, calls)
    if attached.kind == "attached" and attached.meeting is not None:
        ask_refresh(context, meeting_id=attached.meeting.id)  # the figures count them now
    ack()


def _attach_calls(session: Session, attached: Attached, presser: str) -> list[Call]:
    calls = [receipt(channel, ts) for channel, ts in attached.replies]
    if attached.request is not None and attached.kind in ("attached", "nothing"):
        calls += _notice_updates(session, attached.request, attached.notices)
    with speaking(_presser_language(session, attached.meeting, presser)):
        text = attach_text(attached)
    if text is not None:
        calls.append(Call("chat_postMessage", {"channel": presser, "text": text}))
    return calls


# -- sending, and keeping the direct messages -----------------------------------------------------


def send_enrolment_calls(context: BoltContext, client: WebClient, logger: logging.Logger) -> None:
    """The planned calls; each direct message to the secretariat is kept on its request, and
    updated at once if the request was decided while it was on its way."""
    calls: list[Call] = context.get("calls") or []
    late: list[Call] = []

    def remember(call: Call, response: Any) -> None:
        if not (call.remember and call.remember.startswith(NOTICE)):
            return
        request_id, _, user = call.remember.removeprefix(NOTICE).partition(":")
        channel, ts = str(response["channel"]), str(response["ts"])
        with context["db"].session() as session:
            line = remember_notice(
                session, request_id=int(request_id), channel=channel, ts=ts, user_id=user
            )
            if line is not None and line.status != "pending":
                late.extend(_notice_updates(session, line, (Notice(channel, ts, user),)))

    errors = send_calls(client, calls, on_sent=remember)
    errors += send_calls(client, late)
    if errors:
        logger.warning("enrolment Slack calls failed: %s", "; ".join(errors))


def _notice_updates(session: Session, line: RequestLine, notices: tuple[Notice, ...]) -> list[Call]:
    """Every direct message about the request redrawn as it now stands, each in its reader's
    language."""
    readers = [n.user_id for n in notices if n.user_id]
    languages = languages_of(session, meeting=line.meeting, user_ids=readers) if readers else {}
    main = meeting_languages(line.meeting)[0]
    calls = []
    for notice in notices:
        with speaking(languages.get(notice.user_id or "", main)):
            message = request_notice(line)
        calls.append(
            Call(
                "chat_update",
                {
                    "channel": notice.channel,
                    "ts": notice.ts,
                    "text": message.text,
                    "blocks": message.blocks,
                },
                tolerate=("message_not_found",),
            )
        )
    return calls


# -- small readers --------------------------------------------------------------------------------


def _json(raw: Any) -> dict[str, Any]:
    try:
        value = json.loads(raw or "{}")
    except (TypeError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


def _request_id(action: dict[str, Any]) -> int | None:
    value = str(action.get("value") or "")
    return int(value) if value.isdigit() else None


def _form_language(meeting: Meeting | None, wanted: Any) -> str:
    """The language a form is in: the one its button named, if the meeting has it."""
    if meeting is None:
        return wanted if wanted in available_languages() else available_languages()[0]
    languages = meeting_languages(meeting)
    return wanted if wanted in languages else languages[0]


def _person_language(line: RequestLine) -> str:
    """The language the person chose on the form (their language on the roster once approved)."""
    languages = meeting_languages(line.meeting)
    return line.language if line.language in languages else languages[0]


def _presser_language(session: Session, meeting: Meeting | None, presser: str) -> str | None:
    return language_of(session, meeting=meeting, user_id=presser) if meeting is not None else None
