"""Each reader's language on the Home, the agenda, the digest and the failure notices: a
French-speaking delegate's Home is in French, each secretariat member's digest is in their own
language, the secretariat channel's carries both, and an item posted again from `/agenda`
speaks every meeting language in the channel."""

import json
from datetime import timedelta
from typing import Any

from sqlmodel import col, select

from bot.clock.claims import FAILED
from bot.clock.digest import send_digest
from bot.clock.failures import tell_failures
from bot.core.db import session_scope
from bot.slack.api import ChannelPacer, Outbound, make_client
from models import AgendaItem, Delivery, Meeting, Participant
from tests.conftest import IN_SESSION, Bot
from tests.conftest import Meeting as Posted

FRENCH_DELEGATE = "U0CI00001"  # Côte d'Ivoire
ENGLISH_DELEGATE = "U0AU00001"  # Australia
FRENCH_SECRETARIAT = "U0SEC0001"
ENGLISH_SECRETARIAT = "U0SEC0002"


def speak_french(bot: Bot, *, channel: str | None = None) -> int:
    """The meeting in English and French, with French titles; two readers of French."""
    with session_scope(bot.database.engine) as session:
        meeting = session.exec(select(Meeting)).one()
        meeting.languages = "en,fr"
        meeting.translations = json.dumps({"fr": {"title": "Comité d'essai, session écrite"}})
        meeting.secretariat_channel = channel
        item = session.exec(select(AgendaItem).where(AgendaItem.number == 3)).one()
        item.translations = json.dumps(
            {"fr": {"title": "COVID-19 : le rôle de l'OMD dans la gestion des catastrophes"}}
        )
        for participant in session.exec(
            select(Participant).where(
                col(Participant.user_id).in_((FRENCH_DELEGATE, FRENCH_SECRETARIAT))
            )
        ):
            participant.language = "fr"
        session.add(meeting)
        assert meeting.id is not None
        return meeting.id


def open_home(bot: Bot, user: str) -> str:
    assert bot.sender.app_home_opened(user).status == 200
    bot.settle()
    view = bot.standin.home_view(user)
    assert view is not None
    return json.dumps(view, ensure_ascii=False)


def reply(bot: Bot, posted: Posted, user: str, text: str) -> None:
    delivery = bot.sender.reply(
        channel=posted.channel, user=user, text=text, thread_ts=posted.roots[3]
    )
    assert delivery.status == 200
    bot.settle()


def digest_by_command(bot: Bot, user: str) -> tuple[str, str]:
    """What `/digest` answers, and the digest that reaches the user's direct messages."""
    bot.standin.clear_calls()
    delivery = bot.sender.command(command="/digest", text="", user=user, channel="C0TEST0001")
    assert delivery.status == 200
    bot.settle()
    [sent] = bot.standin.calls_to("chat.postMessage")
    assert sent.params["channel"] == user
    return str(delivery.json()["text"]), message_text(sent.params)


def message_text(params: dict[str, Any]) -> str:
    return str(params["text"]) + "\n" + json.dumps(params.get("blocks", ""), ensure_ascii=False)


def test_a_french_speaking_delegate_opens_the_home_in_french(bot: Bot, meeting: Posted):
    speak_french(bot)
    french = open_home(bot, FRENCH_DELEGATE)
    assert "Comité d'essai, session écrite" in french  # the meeting file's French title
    assert "*Ouverts aux commentaires* (2) : Côte d'Ivoire a commenté 0 sur 2" in french
    assert "*Point 3 : COVID-19 : le rôle de l'OMD dans la gestion des catastrophes*" in french
    assert "délégué(e) de Côte d'Ivoire (membre)" in french
    assert "Open for comments" not in french and "Reply in an item's thread" not in french
    # The English-speaking delegate of the same meeting still reads English.
    english = open_home(bot, ENGLISH_DELEGATE)
    assert "*Open for comments* (2): Australia has commented on 0 of 2" in english
    assert "COVID-19: the WCO's role" in english and "Comité d'essai" not in english


def test_each_secretariat_member_gets_the_digest_in_their_language(bot: Bot, meeting: Posted):
    speak_french(bot)
    reply(bot, meeting, ENGLISH_DELEGATE, "Australia supports.")
    answer, digest = digest_by_command(bot, FRENCH_SECRETARIAT)
    assert answer == "Votre récapitulatif arrive dans vos messages directs."
    assert "Récapitulatif : Comité d'essai, session écrite" in digest
    assert "1 nouveau commentaire de 1 délégation" in digest
    assert "*Point 3 : COVID-19 : le rôle de l'OMD" in digest
    assert "new comment" not in digest
    answer, digest = digest_by_command(bot, ENGLISH_SECRETARIAT)
    assert answer == "Your digest is on its way to your direct messages."
    assert "Digest: Test Committee, written session" in digest
    assert "1 new comment(s) from 1 delegation(s)" in digest
    assert "Récapitulatif" not in digest and "nouveau" not in digest


def test_the_home_buttons_and_their_refusals_speak_the_readers_language(bot: Bot, meeting: Posted):
    meeting_id = speak_french(bot)
    home = open_home(bot, FRENCH_SECRETARIAT)
    assert "M'envoyer le récapitulatif" in home
    bot.standin.clear_calls()
    delivery = bot.sender.button(
        action_id="home_digest",
        value=str(meeting_id),
        user=FRENCH_DELEGATE,  # not the secretariat: refused by direct message
        view={"id": "V0HOME", "type": "home"},
    )
    assert delivery.status == 200
    bot.settle()
    [refusal] = bot.standin.calls_to("chat.postMessage")
    assert refusal.params["channel"] == FRENCH_DELEGATE
    assert refusal.params["text"].startswith("Seul le secrétariat de ")


def test_a_digest_to_the_secretariat_channel_carries_both_languages(bot: Bot, meeting: Posted):
    meeting_id = speak_french(bot, channel="C0SHARE001")
    reply(bot, meeting, FRENCH_DELEGATE, "La Côte d'Ivoire soutient.")
    bot.standin.clear_calls()
    out = Outbound(make_client(bot.settings), ChannelPacer(0))
    sent = send_digest(
        bot.database.engine,
        out,
        meeting_id=meeting_id,
        recipient="C0SHARE001",
        now=IN_SESSION,
        forced=True,
        final=True,
    )
    assert sent
    [posted] = bot.standin.calls_to("chat.postMessage")
    text = message_text(posted.params)
    assert "Final digest: Test Committee, written session" in text
    assert "Récapitulatif final : Comité d'essai, session écrite" in text
    assert text.index("Final digest") < text.index("Récapitulatif final")  # the main one first


def test_failure_notices_reach_each_secretariat_member_in_their_language(bot: Bot, meeting: Posted):
    meeting_id = speak_french(bot)
    with session_scope(bot.database.engine) as session:
        session.add(
            Delivery(
                key=f"reminder:{meeting_id}:3:{ENGLISH_DELEGATE}",
                kind="reminder",
                meeting_id=meeting_id,
                due_at=IN_SESSION,
                skipped_at=IN_SESSION,
                note=FAILED + "not_in_channel",
            )
        )
    bot.standin.clear_calls()
    out = Outbound(make_client(bot.settings), ChannelPacer(0))
    told = tell_failures(bot.database.engine, out, now=IN_SESSION + timedelta(minutes=1))
    assert len(told) == 2
    sent = {
        call.params["channel"]: call.params["text"]
        for call in bot.standin.calls_to("chat.postMessage")
    }
    assert set(sent) == {FRENCH_SECRETARIAT, ENGLISH_SECRETARIAT}
    assert "Docket n'a pas pu remettre le rappel" in sent[FRENCH_SECRETARIAT]
    assert "*Comité d'essai, session écrite*" in sent[FRENCH_SECRETARIAT]
    assert "Docket could not deliver the reminder" in sent[ENGLISH_SECRETARIAT]


def test_the_agenda_is_in_the_readers_language_and_posting_again_in_every_language(
    bot: Bot, meeting: Posted
):
    speak_french(bot)
    delivery = bot.sender.command(
        command="/agenda", text="", user=FRENCH_SECRETARIAT, channel=meeting.channel
    )
    assert delivery.status == 200
    answer = delivery.json()
    shown = json.dumps(answer["blocks"], ensure_ascii=False)
    assert "Ordre du jour : Comité d'essai, session écrite" in shown
    assert "3. COVID-19 : le rôle de l'OMD" in shown and "pas encore publié" in shown
    again = next(
        block["accessory"]
        for block in answer["blocks"]
        if block.get("accessory", {}).get("action_id") == "agenda_announce_item"
        and json.loads(block["accessory"]["value"])["number"] == 4
    )
    assert again["text"]["text"] == "Publier à nouveau"
    bot.standin.clear_calls()
    bot.sender.button(
        action_id=again["action_id"],
        value=again["value"],
        user=FRENCH_SECRETARIAT,
        channel=meeting.channel,
        message_ts="1.1",
        response_url=bot.standin.new_response_url(),
    )
    bot.settle()
    [posted] = bot.standin.calls_to("chat.postMessage")
    assert "Item 4: E-commerce package annexes is open for comments" in posted.params["text"]
    assert (
        "Point 4 : E-commerce package annexes est ouvert aux commentaires" in posted.params["text"]
    )
    [note] = bot.standin.calls_to("response_url")
    assert note.params["text"] == "Point 4 publié à nouveau."
