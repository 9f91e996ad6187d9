"""Enrolment from Slack, through the real app: someone not on the roster is offered to ask to
join, the secretariat approves or declines in Slack, and the approved person's replies (those
kept aside, once attached, and every one after) are formal comments of their delegation."""

import json
import secrets
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlmodel import col, select

from bot.core.clock import datetime_to_ts
from bot.core.db import session_scope
from bot.demo.standin import Delivery
from bot.demo.standin.server import dm_channel_id
from bot.domain.summary import build_summary
from models import (
    AuditEntry,
    Comment,
    Delegation,
    EnrolmentRequest,
    Meeting,
    Participant,
    StrayReply,
)
from tests.conftest import Bot
from tests.conftest import Meeting as Posted

STRANGER = "U0NEW0001"
SECRETARIAT, OTHER_SECRETARIAT = "U0SEC0001", "U0SEC0002"
DELEGATE = "U0AU00001"
THEIR_TEAM = "T0DOUANES1"  # their own administration's workspace (Slack Connect)
AFTER_DEADLINE = datetime(2020, 7, 18, 9, 0, tzinfo=UTC)  # item 3 closed on 17 July


# -- helpers --------------------------------------------------------------------------------------


@pytest.fixture
def bilingual(bot: Bot, meeting: Posted) -> Posted:
    """The small meeting in English and French; the second secretariat member reads French;
    the stranger exists in Slack (users.info answers for them)."""
    with session_scope(bot.database.engine) as session:
        found = session.exec(select(Meeting)).one()
        found.languages = "en,fr"
        other = session.exec(
            select(Participant).where(Participant.user_id == OTHER_SECRETARIAT)
        ).one()
        other.language = "fr"
    bot.standin.add_user(STRANGER, email="awa.diop@douanes.example", real_name="Awa Diop")
    return meeting


def rows(bot: Bot, model: Any) -> list[Any]:
    with session_scope(bot.database.engine) as session:
        return list(session.exec(select(model).order_by(col(model.id))))


def delegation_id(bot: Bot, name: str) -> int:
    with session_scope(bot.database.engine) as session:
        found = session.exec(select(Delegation).where(Delegation.name == name)).one()
        assert found.id is not None
        return found.id


def reply(bot: Bot, posted: Posted, user: str, text: str, *, ts: str | None = None) -> str:
    delivery = bot.sender.reply(
        channel=posted.channel, user=user, text=text, thread_ts=posted.roots[3], ts=ts
    )
    assert delivery.status == 200 and delivery.ts is not None
    bot.settle()
    return delivery.ts


def elements(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    found = []
    for block in blocks:
        if block.get("type") == "actions":
            found += block["elements"]
        if isinstance(block.get("accessory"), dict):
            found.append(block["accessory"])
    return found


def button(blocks: list[dict[str, Any]], action_id: str) -> dict[str, Any]:
    [found] = [e for e in elements(blocks) if e["action_id"] == action_id]
    return found


def press(
    bot: Bot, found: dict[str, Any], user: str, *, team: str | None = None, **where: Any
) -> Delivery:
    """A block_actions payload as Slack sends it; `team`: the presser's own workspace."""
    if team is None:
        delivery = bot.sender.button(
            action_id=found["action_id"], value=found["value"], user=user, **where
        )
    else:
        payload = {
            "type": "block_actions",
            "team": {"id": "T0DOCKET01", "domain": "docket-standin"},
            "user": {"id": user, "username": "awa", "name": "awa", "team_id": team},
            "api_app_id": "A0DOCKET01",
            "trigger_id": bot.standin.trigger_ids.issue(),
            "container": {"type": "message", "message_ts": where["message_ts"]},
            "channel": {"id": where["channel"], "name": "meeting"},
            "actions": [
                {
                    "type": "button",
                    "action_id": found["action_id"],
                    "block_id": "b",
                    "value": found["value"],
                    "action_ts": bot.sender.next_ts(),
                }
            ],
            "response_url": f"https://hooks.standin.slack.local/actions/{secrets.token_hex(4)}",
        }
        delivery = bot.sender.interaction(payload)
    assert delivery.status == 200, delivery.body
    bot.settle()
    return delivery


def opened_form(bot: Bot) -> dict[str, Any]:
    [opened] = bot.standin.calls_to("views.open")
    bot.standin.clear_calls()
    return dict(opened.params["view"])


def submit(
    bot: Bot,
    view: dict[str, Any],
    *,
    user: str = STRANGER,
    delegation: str = "Côte d'Ivoire",
    name: str = "Awa Diop",
    about: str = "Côte d'Ivoire Customs, head of the tariff division",
    language: str | None = "fr",
    team: str | None = THEIR_TEAM,
) -> Delivery:
    """The form's view_submission as Slack sends it: state values by block and action id."""
    values: dict[str, dict[str, dict[str, Any]]] = {
        "enrolment_delegation": {
            "delegation_choice": {
                "type": "static_select",
                "selected_option": {
                    "text": {"type": "plain_text", "text": delegation},
                    "value": str(delegation_id(bot, delegation)),
                },
            }
        },
        "enrolment_name": {"name_input": {"type": "plain_text_input", "value": name}},
        "enrolment_about": {"about_input": {"type": "plain_text_input", "value": about}},
    }
    if language is not None:
        values["enrolment_language"] = {
            "language_choice": {"type": "radio_buttons", "selected_option": {"value": language}}
        }
    payload = {
        "type": "view_submission",
        "team": {"id": "T0DOCKET01", "domain": "docket-standin"},
        "user": {"id": user, "username": "awa", "name": "awa", "team_id": team or "T0DOCKET01"},
        "api_app_id": "A0DOCKET01",
        "trigger_id": bot.standin.trigger_ids.issue(),
        "view": {
            "id": "V0ENROL001",
            "team_id": "T0DOCKET01",
            "app_installed_team_id": "T0DOCKET01",
            "type": "modal",
            "callback_id": view["callback_id"],
            "private_metadata": view["private_metadata"],
            "state": {"values": values},
            "hash": secrets.token_hex(8),
        },
        "response_urls": [],
        "is_enterprise_install": False,
    }
    delivery = bot.sender.interaction(payload)
    assert delivery.status == 200, delivery.body
    bot.settle()
    return delivery


def dms(bot: Bot, user: str) -> list[dict[str, Any]]:
    """The bot's direct messages to `user`, as Slack now shows them (updates applied)."""
    return list(bot.standin.messages.get(dm_channel_id([user]), []))


def ask_and_submit(bot: Bot, posted: Posted, **form: Any) -> Delivery:
    """The stranger runs a command in the channel, presses "Ask to join", sends the form."""
    bot.sender.command(command="/agenda", text="", user=STRANGER, channel=posted.channel)
    bot.settle()
    [offer] = [
        c for c in bot.standin.calls_to("chat.postEphemeral") if c.params["user"] == STRANGER
    ]
    bot.standin.clear_calls()
    ask = button(offer.params["blocks"], "enrolment_ask_en")
    press(bot, ask, STRANGER, channel=posted.channel, message_ts="1594375200.000001")
    return submit(bot, opened_form(bot), **form)


# -- the whole path -------------------------------------------------------------------------------


def test_a_stranger_asks_to_join_the_secretariat_approves_and_their_replies_become_comments(
    bot: Bot, bilingual: Posted
):
    posted = bilingual
    # 1. A reply from someone not on the roster: kept aside, and the offer, in both languages.
    early = reply(bot, posted, STRANGER, "Côte d'Ivoire supports the proposal.")
    late = reply(bot, posted, STRANGER, "One more point.", ts=datetime_to_ts(AFTER_DEADLINE))
    assert rows(bot, Comment) == [] and len(rows(bot, StrayReply)) == 2
    offers = bot.standin.calls_to("chat.postEphemeral")
    assert len(offers) == 2
    offer = offers[0].params
    assert offer["user"] == STRANGER and offer["thread_ts"] == posted.roots[3]
    assert "not on the roster" in offer["text"] and "<@U0SEC0001>" in offer["text"]
    assert "liste des participants" in str(offer["blocks"])  # French too, in the same message
    labels = {e["action_id"]: e["text"]["text"] for e in elements(offer["blocks"])}
    assert labels == {"enrolment_ask_en": "Ask to join", "enrolment_ask_fr": "Demander à rejoindre"}
    bot.standin.clear_calls()

    # 2. The French button opens the form in French, within the trigger's 3 seconds.
    ask = button(offer["blocks"], "enrolment_ask_fr")
    press(bot, ask, STRANGER, channel=posted.channel, message_ts=early, team=THEIR_TEAM)
    form = opened_form(bot)
    assert form["title"]["text"] == "Demander à rejoindre"
    [select_block] = [b for b in form["blocks"] if b.get("block_id") == "enrolment_delegation"]
    groups = select_block["element"]["option_groups"]
    assert [g["label"]["text"] for g in groups] == ["Membres", "Observateurs"]
    assert [o["text"]["text"] for o in groups[1]["options"]] == ["Universal Postal Union"]
    [language_block] = [b for b in form["blocks"] if b.get("block_id") == "enrolment_language"]
    assert language_block["element"]["initial_option"]["value"] == "fr"

    # 3. A name of spaces is refused inside the modal; then the request is sent.
    refused = submit(bot, form, name="   ")
    answer = refused.json()
    assert answer["response_action"] == "errors" and "enrolment_name" in answer["errors"]
    assert "Indiquez votre nom" in answer["errors"]["enrolment_name"]
    assert rows(bot, EnrolmentRequest) == []
    sent = submit(bot, form)
    assert sent.json()["response_action"] == "update"
    assert "transmise au secrétariat" in json.dumps(sent.json()["view"], ensure_ascii=False)
    [request] = rows(bot, EnrolmentRequest)
    assert (request.status, request.user_team, request.language) == ("pending", THEIR_TEAM, "fr")

    # 4. Each secretariat member gets a direct message in their language, with the buttons.
    [to_first] = dms(bot, SECRETARIAT)
    [to_other] = dms(bot, OTHER_SECRETARIAT)
    assert "<@U0NEW0001> asks to join *Côte d'Ivoire*" in str(to_first["blocks"])
    assert "Awa Diop" in str(to_first["blocks"]) and THEIR_TEAM in str(to_first["blocks"])
    assert "demande à rejoindre *Côte d'Ivoire*" in str(to_other["blocks"])
    approve = button(to_first["blocks"], "enrolment_approve")
    assert button(to_first["blocks"], "enrolment_decline")["value"] == approve["value"]
    [request] = rows(bot, EnrolmentRequest)
    stored = {(channel, ts) for channel, ts, _user in json.loads(request.notices)}
    assert stored == {
        (dm_channel_id([SECRETARIAT]), to_first["ts"]),
        (dm_channel_id([OTHER_SECRETARIAT]), to_other["ts"]),
    }
    bot.standin.clear_calls()

    # 5. A delegate pressing Approve is refused, and nothing changes.
    press(bot, approve, DELEGATE)
    [refusal] = bot.standin.calls_to("chat.postMessage")
    assert refusal.params["channel"] == DELEGATE
    assert "Only the secretariat" in refusal.params["text"]
    assert [r.status for r in rows(bot, EnrolmentRequest)] == ["pending"]
    assert STRANGER not in {p.user_id for p in rows(bot, Participant)}
    bot.standin.clear_calls()

    # 6. The secretariat approves: on the roster, told in French, every notice updated.
    press(
        bot, approve, SECRETARIAT, channel=dm_channel_id([SECRETARIAT]), message_ts=to_first["ts"]
    )
    [person] = [p for p in rows(bot, Participant) if p.user_id == STRANGER]
    assert (person.role, person.source, person.name, person.language) == (
        "member",
        "enrolled",
        "Awa Diop",
        "fr",
    )
    assert person.delegation_id == delegation_id(bot, "Côte d'Ivoire")
    assert person.profile_name == "Awa Diop"  # users.info, after the answer
    [told] = dms(bot, STRANGER)
    assert "Le secrétariat a approuvé votre demande" in told["text"]
    assert len(bot.standin.calls_to("chat.update")) == 2
    [to_first] = dms(bot, SECRETARIAT)
    [to_other] = dms(bot, OTHER_SECRETARIAT)
    assert "Approved by <@U0SEC0001>" in str(to_first["blocks"])
    assert "Approuvée par <@U0SEC0001>" in str(to_other["blocks"])
    assert [e["action_id"] for e in elements(to_first["blocks"])] == ["enrolment_attach"]
    attach = button(to_first["blocks"], "enrolment_attach")
    assert attach["text"]["text"] == "Attach 2 replies kept aside"
    [entry] = [
        a for a in rows(bot, AuditEntry) if a.action == "approve_enrolment" and a.outcome == "ok"
    ]
    assert entry.actor == SECRETARIAT

    # 7. The other member presses Approve too: already decided, nothing twice.
    bot.standin.clear_calls()
    press(bot, approve, OTHER_SECRETARIAT)
    [already] = bot.standin.calls_to("chat.postMessage")
    assert already.params["channel"] == OTHER_SECRETARIAT
    assert "déjà été approuvée par <@U0SEC0001>" in already.params["text"]
    assert len(dms(bot, STRANGER)) == 1

    # 8. Attach: the replies kept aside become comments with their own times and late flags.
    bot.standin.clear_calls()
    press(bot, attach, SECRETARIAT, channel=dm_channel_id([SECRETARIAT]), message_ts=to_first["ts"])
    by_ts = {c.ts: c for c in rows(bot, Comment)}
    assert set(by_ts) == {early, late}
    assert (by_ts[early].late, by_ts[late].late) == (False, True)
    assert by_ts[late].posted_at == AFTER_DEADLINE
    assert by_ts[early].delegation_id == delegation_id(bot, "Côte d'Ivoire")
    assert bot.standin.reactions(posted.channel, early) == {"white_check_mark"}
    assert bot.standin.reactions(posted.channel, late) == {"white_check_mark"}
    [to_first] = dms(bot, SECRETARIAT)
    assert elements(to_first["blocks"]) == []  # nothing left to attach
    assert "2 replies kept aside are now formal comments" in str(to_first["blocks"])
    bot.standin.clear_calls()
    press(bot, attach, OTHER_SECRETARIAT)  # pressed again: never attached twice
    assert len(rows(bot, Comment)) == 2
    [nothing] = bot.standin.calls_to("chat.postMessage")
    assert "Rien à rattacher" in nothing.params["text"]
    with session_scope(bot.database.engine) as session:
        [meeting] = session.exec(select(Meeting)).all()
        assert meeting.id is not None
        figures = build_summary(session, meeting_id=meeting.id, now=AFTER_DEADLINE).figures
    assert (figures.kept_aside, figures.comments) == (0, 2)  # counted as comments, once

    # 9. Their next reply is a formal comment of that delegation, with its receipt.
    bot.standin.clear_calls()
    after = reply(bot, posted, STRANGER, "Now for our delegation.")
    assert by_ts.keys() | {after} == {c.ts for c in rows(bot, Comment)}
    [comment] = [c for c in rows(bot, Comment) if c.ts == after]
    assert comment.delegation_id == delegation_id(bot, "Côte d'Ivoire") and comment.role == "member"
    assert bot.standin.calls_to("chat.postEphemeral") == []
    assert bot.standin.reactions(posted.channel, after) == {"white_check_mark"}


def test_asking_twice_is_one_request_and_updates_the_messages_already_sent(
    bot: Bot, bilingual: Posted
):
    ask_and_submit(bot, bilingual)
    [first] = dms(bot, SECRETARIAT)
    bot.standin.clear_calls()
    ask_and_submit(bot, bilingual, delegation="Australia", name="Awa Diop Sow")
    [request] = rows(bot, EnrolmentRequest)
    assert (request.name, request.delegation_id) == (
        "Awa Diop Sow",
        delegation_id(bot, "Australia"),
    )
    assert [m["ts"] for m in dms(bot, SECRETARIAT)] == [first["ts"]]  # no second message
    [updated] = dms(bot, SECRETARIAT)
    assert "*Australia*" in str(updated["blocks"]) and "Awa Diop Sow" in str(updated["blocks"])
    assert {c.params["channel"] for c in bot.standin.calls_to("chat.update")} == {
        dm_channel_id([SECRETARIAT]),
        dm_channel_id([OTHER_SECRETARIAT]),
    }


def test_the_secretariat_declines_the_person_is_told_and_may_ask_again(bot: Bot, bilingual: Posted):
    ask_and_submit(bot, bilingual, language="en", team=None)
    [request] = rows(bot, EnrolmentRequest)
    assert request.user_team is None  # their own workspace is the meeting's: no Slack Connect
    [to_first] = dms(bot, SECRETARIAT)
    assert "Slack Connect" not in str(to_first["blocks"])
    decline = button(to_first["blocks"], "enrolment_decline")
    assert decline["confirm"]["title"]["text"] == "Decline this request?"
    press(bot, decline, SECRETARIAT)
    assert [r.status for r in rows(bot, EnrolmentRequest)] == ["declined"]
    assert STRANGER not in {p.user_id for p in rows(bot, Participant)}
    [told] = dms(bot, STRANGER)
    assert "declined your request to join *Côte d'Ivoire*" in told["text"]  # in English, chosen
    [to_first] = dms(bot, SECRETARIAT)
    assert (
        "Declined by <@U0SEC0001>" in str(to_first["blocks"]) and elements(to_first["blocks"]) == []
    )
    # A decline is final for that request: Approve pressed after it changes nothing.
    press(bot, {"action_id": "enrolment_approve", "value": decline["value"]}, SECRETARIAT)
    assert [r.status for r in rows(bot, EnrolmentRequest)] == ["declined"]
    assert "already declined by <@U0SEC0001>" in dms(bot, SECRETARIAT)[-1]["text"]

    # Asking again reopens the same request and tells the secretariat anew.
    bot.standin.clear_calls()
    ask_and_submit(bot, bilingual)
    [request] = rows(bot, EnrolmentRequest)
    assert request.status == "pending" and request.decided_by is None
    notices = [m for m in dms(bot, SECRETARIAT) if m.get("blocks")]
    assert len(notices) == 2  # the declined one stays as it was; a new one to decide
    assert button(notices[-1]["blocks"], "enrolment_approve")
    assert elements(notices[0]["blocks"]) == []


def test_a_command_from_someone_not_on_the_roster_offers_to_ask_and_the_roster_sees_no_offer(
    bot: Bot, meeting: Posted
):
    delivery = bot.sender.command(
        command="/approve", text="3", user=STRANGER, channel=meeting.channel
    )
    assert "Only the chair" in delivery.json()["text"]  # the command's own answer, unchanged
    bot.settle()
    [offer] = bot.standin.calls_to("chat.postEphemeral")
    assert offer.params["user"] == STRANGER and offer.params["channel"] == meeting.channel
    assert "You are not on the roster of Test Committee" in offer.params["text"]
    assert [e["action_id"] for e in elements(offer.params["blocks"])] == ["enrolment_ask_en"]
    bot.standin.clear_calls()
    bot.sender.command(command="/approve", text="3", user=DELEGATE, channel=meeting.channel)
    bot.settle()
    assert bot.standin.calls_to("chat.postEphemeral") == []


def test_the_home_offers_to_ask_and_lists_pending_requests_to_the_secretariat(
    bot: Bot, bilingual: Posted
):
    assert bot.sender.app_home_opened(STRANGER).status == 200
    bot.settle()
    home = bot.standin.home_view(STRANGER)
    assert home is not None and "Ask to join a meeting" in json.dumps(home)
    ask = button(home["blocks"], "enrolment_ask_en")
    bot.standin.clear_calls()
    press(bot, ask, STRANGER, view=home)
    form = opened_form(bot)
    assert form["callback_id"] == "enrolment_form"
    submit(bot, form)
    assert bot.sender.app_home_opened(SECRETARIAT).status == 200
    bot.settle()
    secretariat_home = bot.standin.home_view(SECRETARIAT)
    assert secretariat_home is not None
    assert "*Requests to join* (1)" in json.dumps(secretariat_home, ensure_ascii=False)
    approve = button(secretariat_home["blocks"], "enrolment_approve")
    bot.standin.clear_calls()
    press(bot, approve, SECRETARIAT, view=secretariat_home)
    assert [r.status for r in rows(bot, EnrolmentRequest)] == ["approved"]
    refreshed = bot.standin.home_view(SECRETARIAT)
    assert refreshed is not None and "Requests to join" not in json.dumps(refreshed)
    # The person's own Home, republished: they are a delegate now.
    mine = bot.standin.home_view(STRANGER)
    assert mine is not None and "Ask to join" not in json.dumps(mine)
