"""/record and the final digest in a meeting held in English and French: the record comes as
one HTML and one XLSX file per meeting language, each titled in its language and saying which;
the words around it are in the reader's language.  A one-language meeting is as before."""

import json
from typing import Any

from sqlmodel import col, select

from bot.core.db import session_scope
from models import AgendaItem, Meeting, Participant
from tests.conftest import Bot
from tests.conftest import Meeting as Posted

FRENCH_TITLE = "Comité de test, session écrite"
FRENCH_ITEM = "COVID-19 : le rôle de l'OMD dans le cycle de gestion des catastrophes"
COMMENT = "Nous appuyons la proposition {title}, sous réserve du paragraphe 3."


def bilingual(bot: Bot, *, french_readers: tuple[str, ...] = ("U0SEC0002",)) -> None:
    """The small meeting held in English and French, with the file's French texts; the
    French readers read Docket in French."""
    with session_scope(bot.database.engine) as session:
        meeting = session.exec(select(Meeting)).one()
        meeting.languages = "en,fr"
        meeting.translations = json.dumps({"fr": {"title": FRENCH_TITLE}})
        item = session.exec(select(AgendaItem).where(AgendaItem.number == 3)).one()
        item.translations = json.dumps({"fr": {"title": FRENCH_ITEM}})
        for person in session.exec(
            select(Participant).where(col(Participant.user_id).in_(french_readers))
        ):
            person.language = "fr"
            session.add(person)
        session.add_all([meeting, item])


def reply(bot: Bot, posted: Posted, user: str, text: str, item: int = 3) -> None:
    delivery = bot.sender.reply(
        channel=posted.channel, user=user, text=text, thread_ts=posted.roots[item]
    )
    assert delivery.status == 200


def command(bot: Bot, name: str, user: str) -> str:
    delivery = bot.sender.command(command=name, text="", user=user, channel="C0TEST0001")
    assert delivery.status == 200
    return str(delivery.json()["text"])


def uploads(bot: Bot) -> list[dict[str, Any]]:
    """Each upload: the direct message it went to, its comment, and its files (name, title,
    content) in order."""
    names = [c.params["filename"] for c in bot.standin.calls_to("files.getUploadURLExternal")]
    contents = list(bot.standin.uploaded_files.values())
    assert len(names) == len(contents)
    files = iter(zip(names, contents, strict=True))
    done = []
    for complete in bot.standin.calls_to("files.completeUploadExternal"):
        entries = complete.params["files"]
        if isinstance(entries, str):
            entries = json.loads(entries)
        mine = [next(files) for _ in entries]
        done.append(
            {
                "channel": complete.params["channel_id"],
                "comment": complete.params.get("initial_comment", ""),
                "files": [
                    (name, entry.get("title"), content)
                    for (name, content), entry in zip(mine, entries, strict=True)
                ],
            }
        )
    return done


def test_record_in_a_two_language_meeting_is_one_file_of_each_format_per_language(
    bot: Bot, meeting: Posted
):
    bilingual(bot)
    reply(bot, meeting, "U0CI00001", COMMENT)
    assert command(bot, "/record", "U0SEC0002")  # the answer: the lead's and its reader's words
    bot.settle()
    [upload] = uploads(bot)
    assert [name for name, _, _ in upload["files"]] == [
        "test-ptc-record-en.html",
        "test-ptc-record-en.xlsx",
        "test-ptc-record-fr.html",
        "test-ptc-record-fr.xlsx",
    ]
    titles = [title for _, title, _ in upload["files"]]
    assert titles[0].startswith("Test Committee, written session") and titles[0].endswith(
        "(English)"
    )
    assert titles[2].startswith(FRENCH_TITLE) and titles[2].endswith("(français)")
    assert titles[3].startswith(FRENCH_TITLE) and titles[3].endswith("(français)")
    english, french = upload["files"][0][2], upload["files"][2][2]
    assert b'<html lang="en">' in english and b"<h2>The meeting</h2>" in english
    assert b'<html lang="fr">' in french and b"<h2>La r\xc3\xa9union</h2>" in french
    assert FRENCH_ITEM.replace("'", "&#x27;").encode() in french
    # The comment as its delegation wrote it, in both languages' records.
    assert COMMENT.encode() in english and COMMENT.encode() in french
    # The words with the files are in the asker's language (French), naming the French title.
    assert FRENCH_TITLE in upload["comment"]


def test_record_in_one_language_is_as_it_always_was(bot: Bot, meeting: Posted):
    assert "being prepared" in command(bot, "/record", "U0SEC0001")
    bot.settle()
    [upload] = uploads(bot)
    assert [(name, title) for name, title, _ in upload["files"]] == [
        ("test-ptc-record.html", "Test Committee, written session: summary record"),
        ("test-ptc-record.xlsx", "Test Committee, written session: comments and figures"),
    ]
    assert upload["comment"] == "The summary record of Test Committee, written session."


def test_final_digest_gives_the_record_in_every_language_and_charts_in_the_readers(
    bot: Bot, meeting: Posted
):
    bilingual(bot)
    reply(bot, meeting, "U0AU00001", "Last words.")
    assert command(bot, "/close", "U0SEC0001")
    bot.settle()
    closing = [
        c
        for c in bot.standin.calls_to("chat.postMessage")
        if c.params["channel"] == meeting.channel
    ]
    assert len(closing) == 1  # one closing message, in both languages
    assert "Test Committee, written session" in closing[0].params["text"]
    assert FRENCH_TITLE in closing[0].params["text"]
    sent = {u["channel"]: u for u in uploads(bot)}
    opened = {c.params["users"]: c for c in bot.standin.calls_to("conversations.open")}
    assert set(opened) == {"U0SEC0001", "U0SEC0002"}
    assert len(sent) == 2
    for upload in sent.values():
        names = [name for name, _, _ in upload["files"]]
        assert names == [
            "test-ptc-record-en.html",
            "test-ptc-record-en.xlsx",
            "test-ptc-record-fr.html",
            "test-ptc-record-fr.xlsx",
            "comments-per-week.png",
            "comments-per-item.png",
        ]
    charts = {
        upload["comment"]: [content for name, _, content in upload["files"] if name.endswith("png")]
        for upload in sent.values()
    }
    english, french = (
        next(v for k, v in charts.items() if FRENCH_TITLE not in k),
        next(v for k, v in charts.items() if FRENCH_TITLE in k),
    )
    assert english != french  # the French secretariat member's charts are drawn in French
