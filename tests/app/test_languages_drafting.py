"""Revised documents, drafting groups and classification in a meeting held in English and French.

Through the real Bolt app, in the bilingual meeting (tests/data/bilingual.yaml: `languages: [en,
fr]`, Côte d'Ivoire reads French, U0SEC0002 of the secretariat too): what goes to the channel
(the revision notice in the item's thread, the group's welcome and its link) carries both
languages in one message; what one person reads privately (a direct message, a form's errors,
the classification form, a notice in a group's channel) is in that person's language.
"""

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlmodel import select

from bot.clock.posting import post_items
from bot.core.db import session_scope
from bot.domain.meetings import load_meeting
from bot.parse.meeting_file import read_meeting_file
from bot.slack.api import make_client
from models import DraftingGroup, Meeting
from tests.conftest import DATA, IN_SESSION, Bot
from tests.conftest import Meeting as PostedMeeting

SECRETARIAT = "U0SEC0001"  # reads the main language, English
SECRETARIAT_FR = "U0SEC0002"  # `language: fr` in the file
AUSTRALIA = "U0AU00001"  # English
IVORY = "U0CI00001"  # Côte d'Ivoire: `language: fr` on the delegation
UPU = "U0UPU0001"  # the observer, English
URL = "https://example.org/PC0601E1-rev1.pdf"
AFTER_DEADLINE = datetime(2020, 7, 18, 8, 0, tzinfo=UTC)  # item 3's comments closed the 17th
ITEM_FR = "COVID-19 : le rôle de l'OMD dans le cycle de gestion des catastrophes"


@pytest.fixture
def bilingual(bot: Bot) -> PostedMeeting:
    """The bilingual meeting loaded, items 3 and 4 posted; the stand-in's calls cleared."""
    client = make_client(bot.settings)

    def lookup(email: str) -> str | None:
        return str(client.users_lookupByEmail(email=email)["user"]["id"])

    spec = read_meeting_file(DATA / "bilingual.yaml", lookup)
    with session_scope(bot.database.engine) as session:
        load_meeting(session, spec=spec, now=IN_SESSION)
    results = post_items(
        bot.database.engine, client, meeting_key="test-bilingual", numbers=None, now=IN_SESSION
    )
    roots = {r.number: r.detail.removeprefix("ts ") for r in results if r.outcome == "posted"}
    assert set(roots) == {3, 4}
    bot.standin.clear_calls()
    return PostedMeeting(channel="C0TEST0001", roots=roots)


def meeting_id(bot: Bot) -> int:
    with session_scope(bot.database.engine) as session:
        found = session.exec(select(Meeting.id)).one()
        assert found is not None
        return found


def reply(bot: Bot, meeting: PostedMeeting, user: str, text: str) -> str:
    delivery = bot.sender.reply(
        channel=meeting.channel,
        user=user,
        text=text,
        thread_ts=meeting.roots[3],
    )
    assert delivery.status == 200 and delivery.ts is not None
    bot.settle()
    return delivery.ts


def posts(bot: Bot, channel: str) -> list[dict[str, Any]]:
    return [
        c.params for c in bot.standin.calls_to("chat.postMessage") if c.params["channel"] == channel
    ]


def shown(params: dict[str, Any]) -> str:
    """A message as a reader sees it: its blocks' text, else its text."""
    blocks = params.get("blocks")
    if isinstance(blocks, str):
        blocks = json.loads(blocks)
    return json.dumps(blocks, ensure_ascii=False) if blocks else str(params["text"])


# -- revised documents ----------------------------------------------------------------------------


def test_the_revision_notice_carries_both_languages_and_each_delegate_reads_their_own(
    bot: Bot, bilingual: PostedMeeting
) -> None:
    reply(bot, bilingual, IVORY, "La Côte d'Ivoire soutient la proposition.")
    reply(bot, bilingual, AUSTRALIA, "Australia supports the proposal.")
    bot.clock.now = AFTER_DEADLINE
    bot.standin.clear_calls()

    delivery = bot.sender.command(
        command="/revise",
        text=f"3 PC0601E1/Rev.1 {URL} until 2020-07-24T17:00",
        user=SECRETARIAT,
        channel=bilingual.channel,
    )
    assert delivery.status == 200
    bot.settle()

    # One message in the item's thread, in English then in French.
    [notice] = [
        p for p in posts(bot, bilingual.channel) if p.get("thread_ts") == bilingual.roots[3]
    ]
    text = shown(notice)
    english = text.index("*Revised document on item 3*")
    french = text.index("*Document révisé sur le point 3*")
    assert english < french
    assert "reply in this thread by" in text and "répondez dans ce fil au plus tard" in text
    assert '"divider"' in text
    # Each delegation that commented is told privately, in its reader's language.
    [to_ivory] = posts(bot, IVORY)
    assert f"votre délégation (Côte d'Ivoire) a commenté le *point 3 : {ITEM_FR}*" in shown(
        to_ivory
    )
    assert "Revised document" not in shown(to_ivory)
    [to_australia] = posts(bot, AUSTRALIA)
    assert "your delegation (Australia) commented on *item 3:" in shown(to_australia)
    assert "délégation" not in shown(to_australia)


def test_a_french_reading_secretary_reads_the_forms_errors_in_french(
    bot: Bot, bilingual: PostedMeeting
) -> None:
    bot.clock.now = AFTER_DEADLINE
    past = int(datetime(2020, 7, 16, 15, 0, tzinfo=UTC).timestamp())
    values: dict[str, dict[str, dict[str, Any]]] = {
        "revision_code": {"value": {"type": "plain_text_input", "value": "PC0601E1/Rev.1"}},
        "revision_url": {"value": {"type": "url_text_input", "value": URL}},
        "revision_concerns_until": {
            "value": {"type": "datetimepicker", "selected_date_time": past}
        },
    }
    metadata = json.dumps({"meeting_id": meeting_id(bot), "number": 3})

    def submit(user: str) -> dict[str, str]:
        delivery = bot.sender.view_submission(
            callback_id="revise_document", user=user, private_metadata=metadata, values=values
        )
        assert delivery.status == 200
        answer = delivery.json()
        assert answer["response_action"] == "errors"
        errors: dict[str, str] = answer["errors"]
        return errors

    french = submit(SECRETARIAT_FR)["revision_concerns_until"]
    assert "est dans le passé" in french and "dernières préoccupations" in french
    english = submit(SECRETARIAT)["revision_concerns_until"]
    assert "is in the past; final concerns must close ahead." in english


# -- classification -------------------------------------------------------------------------------


def test_a_french_speaking_delegate_classifies_in_french(
    bot: Bot, bilingual: PostedMeeting
) -> None:
    ts = reply(bot, bilingual, IVORY, "Nous proposons de reformuler le paragraphe 4.")
    bot.standin.clear_calls()

    delivery = bot.sender.message_shortcut(
        callback_id="classify_comment",
        user=IVORY,
        channel=bilingual.channel,
        ts=ts,
        thread_ts=bilingual.roots[3],
        message_user=IVORY,
        text="Nous proposons de reformuler le paragraphe 4.",
    )
    assert delivery.status == 200
    bot.settle()

    [opened] = bot.standin.calls_to("views.open")
    view = opened.params["view"]
    view = json.loads(view) if isinstance(view, str) else view
    assert view["title"]["text"] == "Classer le commentaire"
    assert view["submit"]["text"] == "Enregistrer"
    [kind] = [b for b in view["blocks"] if b["type"] == "input"]
    assert kind["label"]["text"] == "Type de commentaire"
    # Nothing chosen: the form stays open and says why, in French.
    submitted = bot.sender.view_submission(
        callback_id=view["callback_id"],
        user=IVORY,
        private_metadata=view["private_metadata"],
        values={"kind": {"kind": {"type": "radio_buttons", "selected_option": None}}},
    )
    assert submitted.status == 200
    assert submitted.json()["errors"]["kind"].startswith("Choisissez l'un des types suivants : ")


def test_a_message_that_is_no_comment_is_refused_in_the_readers_language(
    bot: Bot, bilingual: PostedMeeting
) -> None:
    root = bilingual.roots[3]
    for user in (IVORY, AUSTRALIA):
        delivery = bot.sender.message_shortcut(
            callback_id="classify_comment",
            user=user,
            channel=bilingual.channel,
            ts=root,
            thread_ts=None,
            message_user=bot.standin.bot_user_id,
            text="the item",
        )
        assert delivery.status == 200
    bot.settle()

    told = {c.params["user"]: c.params["text"] for c in bot.standin.calls_to("chat.postEphemeral")}
    assert told[IVORY].startswith("Seuls les commentaires officiels peuvent être classés")
    assert told[AUSTRALIA].startswith("Only formal comments can be classified")


# -- drafting groups ------------------------------------------------------------------------------


def test_a_group_set_up_by_a_french_reading_secretary(bot: Bot, bilingual: PostedMeeting) -> None:
    values: dict[str, dict[str, dict[str, Any]]] = {
        "name": {"name": {"type": "plain_text_input", "value": "Rules of procedure"}},
        "item": {"item": {"type": "static_select", "selected_option": {"value": "3"}}},
        "topic": {"topic": {"type": "plain_text_input", "value": None}},
        "members": {"members": {"type": "multi_users_select", "selected_users": [AUSTRALIA]}},
        "purpose": {"purpose": {"type": "plain_text_input", "value": "Draft new rules"}},
    }
    delivery = bot.sender.view_submission(
        callback_id="drafting_group",
        user=SECRETARIAT_FR,
        private_metadata=json.dumps({"meeting_id": meeting_id(bot)}),
        values=values,
    )
    assert delivery.status == 200 and delivery.body == ""
    bot.settle()

    with session_scope(bot.database.engine) as session:
        group = session.exec(select(DraftingGroup)).one()
    assert group.channel is not None and group.set_up_at is not None
    # The welcome, read by several people, and the link in the item's thread: both languages.
    welcome = shown(bot.standin.messages[group.channel][0])
    assert "*Drafting group “Rules of procedure”*" in welcome
    assert "*Groupe de rédaction « Rules of procedure »*" in welcome
    assert f"sur le point 3 : {ITEM_FR}" in welcome
    [link] = [p for p in posts(bot, bilingual.channel) if p.get("thread_ts") == bilingual.roots[3]]
    assert "works on this item in" in shown(link) and "travaille sur ce point dans" in shown(link)
    # The report to the secretary who set it up: in their language.
    [report] = posts(bot, SECRETARIAT_FR)
    assert report["text"].startswith(":white_check_mark: Le groupe de rédaction « Rules of ")
    bot.standin.clear_calls()

    # People outside the group write in its channel: each told privately, in their language.
    bot.sender.post(channel=group.channel, user=IVORY, text="Puis-je participer ?")
    bot.sender.post(channel=group.channel, user=UPU, text="May I join?")
    bot.settle()
    told = {c.params["user"]: c.params["text"] for c in bot.standin.calls_to("chat.postEphemeral")}
    assert told[IVORY].startswith("Votre message est conservé, mais à part")
    assert told[UPU].startswith("Your message is kept, but apart")


def test_slash_command_answers_are_in_the_users_language(
    bot: Bot, bilingual: PostedMeeting
) -> None:
    def answer(command: str, text: str, user: str) -> str:
        delivery = bot.sender.command(
            command=command, text=text, user=user, channel=bilingual.channel
        )
        assert delivery.status == 200
        found: dict[str, Any] = delivery.json()
        assert found["response_type"] == "ephemeral"
        return str(found["text"])

    assert answer("/revise", "help", SECRETARIAT_FR).startswith("*Comment utiliser /revise*")
    assert answer("/revise", "help", SECRETARIAT).startswith("*How to use /revise*")
    assert answer("/group", "list", SECRETARIAT_FR) == (
        "Comité de test, session écrite n'a pas encore de groupe de rédaction. `/group help` "
        "explique comment en créer un."
    )
