"""Classified comments: the "Classify comment" shortcut, its modal, and the kind in the record.

Through the real Bolt app: the shortcut and the modal's submission arrive as `payload=`
interactivity requests, the modal opens at the Slack stand-in, and the record, the CSV and the
digest are built from what the database holds afterwards.
"""

import csv
import json
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import col, select

from bot.core.db import session_scope
from bot.demo.standin import Delivery
from bot.domain.digest import build_digest
from bot.domain.record_rows import comment_rows
from bot.domain.summary import build_summary
from bot.record.csv import CONTRACT_COLUMNS, write_csv
from bot.record.html import render_html
from bot.record.markdown import render_markdown
from bot.views.classify import NOT_A_COMMENT
from bot.views.digest import digest_message
from models import AuditEntry, Comment, Meeting
from tests.conftest import IN_SESSION, Bot
from tests.conftest import Meeting as PostedMeeting

AUTHOR = "U0AU00001"  # Australia
COLLEAGUE = "U0AUJANE1"  # Australia too, but not the author
OTHER = "U0CI00001"  # Côte d'Ivoire
CHAIR = "U0CHAIR01"
SECRETARIAT = "U0SEC0001"
CALLBACK = "classify_comment"
KINDS = ["general", "drafting", "support", "reservation"]


def reply(bot: Bot, meeting: PostedMeeting, *, user: str, text: str, item: int = 3) -> str:
    delivery = bot.sender.reply(
        channel=meeting.channel, user=user, text=text, thread_ts=meeting.roots[item]
    )
    assert delivery.status == 200 and delivery.ts is not None
    bot.settle()
    return delivery.ts


def shortcut(
    bot: Bot,
    meeting: PostedMeeting,
    *,
    user: str,
    ts: str,
    author: str = AUTHOR,
    thread_ts: str | None = None,
    channel: str | None = None,
) -> Delivery:
    """ "Classify comment" from a message's "More actions" menu, then the after-ack calls."""
    bot.standin.clear_calls()
    delivery = bot.sender.message_shortcut(
        callback_id=CALLBACK,
        user=user,
        channel=channel or meeting.channel,
        ts=ts,
        thread_ts=thread_ts if thread_ts is not None else meeting.roots[3],
        message_user=author,
        text="the message",
    )
    assert delivery.status == 200 and delivery.body == ""  # answered at once
    bot.settle()
    return delivery


def opened_modal(bot: Bot) -> dict[str, Any]:
    [opened] = bot.standin.calls_to("views.open")
    assert opened.params["trigger_id"]
    view: dict[str, Any] = opened.params["view"]
    return view


def kind_element(view: dict[str, Any]) -> dict[str, Any]:
    [block] = [b for b in view["blocks"] if b["type"] == "input"]
    element: dict[str, Any] = block["element"]
    return element


def submit(
    bot: Bot, view: dict[str, Any], *, user: str, kind: str | None, element: str = "radio_buttons"
) -> Delivery:
    """The modal's submit as Slack sends it, with `kind` chosen (None: nothing chosen)."""
    chosen = {"type": element, "selected_option": {"value": kind} if kind else None}
    return bot.sender.view_submission(
        callback_id=view["callback_id"],
        user=user,
        private_metadata=view["private_metadata"],
        values={"kind": {"kind": chosen}},
    )


def classify(bot: Bot, meeting: PostedMeeting, *, user: str, ts: str, kind: str) -> None:
    shortcut(bot, meeting, user=user, ts=ts)
    submitted = submit(bot, opened_modal(bot), user=user, kind=kind)
    assert submitted.status == 200 and submitted.body == ""  # no errors: the modal closes


def comment(bot: Bot, ts: str) -> Comment:
    with session_scope(bot.database.engine) as session:
        return session.exec(select(Comment).where(Comment.ts == ts)).one()


def audit(bot: Bot) -> list[AuditEntry]:
    with session_scope(bot.database.engine) as session:
        return list(
            session.exec(
                select(AuditEntry).where(AuditEntry.action == CALLBACK).order_by(col(AuditEntry.id))
            )
        )


def meeting_id(bot: Bot) -> int:
    with session_scope(bot.database.engine) as session:
        found = session.exec(select(Meeting.id).where(Meeting.key == "test-ptc")).one()
        assert found is not None
        return found


def export_csv(bot: Bot, path: Path) -> list[dict[str, str]]:
    with session_scope(bot.database.engine) as session:
        write_csv(comment_rows(session, meeting_id=meeting_id(bot)), path)
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def record_html(bot: Bot) -> str:
    with session_scope(bot.database.engine) as session:
        summary = build_summary(session, meeting_id=meeting_id(bot), now=IN_SESSION)
    return render_html(summary, {})


def test_author_classifies_their_comment_through_the_shortcut_and_modal(
    bot: Bot, meeting: PostedMeeting, tmp_path: Path
):
    ts = reply(bot, meeting, user=AUTHOR, text="Replace “shall” by “should” in para 4.")

    shortcut(bot, meeting, user=AUTHOR, ts=ts)

    view = opened_modal(bot)
    assert view["type"] == "modal" and view["callback_id"] == CALLBACK
    assert json.loads(view["private_metadata"]) == {"channel": meeting.channel, "ts": ts}
    element = kind_element(view)
    assert [option["value"] for option in element["options"]] == KINDS
    assert "initial_option" not in element  # not classified yet
    assert "Replace “shall” by “should” in para 4." in json.dumps(view, ensure_ascii=False)

    submitted = submit(bot, view, user=AUTHOR, kind="drafting")

    assert submitted.status == 200 and submitted.body == ""  # closes the modal
    stored = comment(bot, ts)
    assert (stored.kind, stored.kind_by, stored.kind_at) == ("drafting", AUTHOR, IN_SESSION)
    [entry] = audit(bot)
    assert (entry.actor, entry.outcome) == (AUTHOR, "ok")
    assert entry.detail == f"comment {meeting.channel}-{ts}: unclassified -> drafting"

    rows = export_csv(bot, tmp_path / "record.csv")
    header = (tmp_path / "record.csv").read_text(encoding="utf-8").splitlines()[0].split(",")
    assert header == [*CONTRACT_COLUMNS, "kind", "phase", "author"]  # the contract's columns first
    [row] = rows
    assert (row["comment_id"], row["kind"]) == (f"{meeting.channel}-{ts}", "drafting")

    page = record_html(bot)
    assert f'id="c-{meeting.channel}-{ts}"' in page
    assert '<span class="tag kind" data-kind="drafting">Drafting suggestion</span>' in page
    assert "Comments per item by classification" in page


def test_unclassified_comment_has_an_empty_kind_in_the_csv(
    bot: Bot, meeting: PostedMeeting, tmp_path: Path
):
    reply(bot, meeting, user=AUTHOR, text="Australia supports.")

    [row] = export_csv(bot, tmp_path / "record.csv")

    assert row["kind"] == ""
    assert 'class="tag kind"' not in record_html(bot)


def test_secretariat_classifies_a_delegates_comment_and_the_digest_shows_it(
    bot: Bot, meeting: PostedMeeting
):
    ts = reply(bot, meeting, user=OTHER, text="Côte d'Ivoire enters a reservation on para 2.")

    classify(bot, meeting, user=SECRETARIAT, ts=ts, kind="reservation")

    stored = comment(bot, ts)
    assert (stored.kind, stored.kind_by, stored.user_id) == ("reservation", SECRETARIAT, OTHER)
    [entry] = audit(bot)
    assert (entry.actor, entry.outcome) == (SECRETARIAT, "ok")
    with session_scope(bot.database.engine) as session:
        meeting_row = session.exec(select(Meeting)).one()
        digest = build_digest(
            session, meeting=meeting_row, recipient=SECRETARIAT, now=IN_SESSION, team_url=None
        )
    [new] = [c for item in digest.items for c in item.new_comments]
    assert new.kind == "reservation"
    assert "enters a reservation on para 2. — Côte d'Ivoire · *Reservation*" in str(
        digest_message(digest).blocks
    )


@pytest.mark.parametrize("user", [OTHER, COLLEAGUE, CHAIR], ids=["other", "colleague", "chair"])
def test_only_the_author_or_the_secretariat_may_classify_others_are_told_privately(
    bot: Bot, meeting: PostedMeeting, user: str
):
    ts = reply(bot, meeting, user=AUTHOR, text="Australia supports.")

    shortcut(bot, meeting, user=user, ts=ts)

    assert bot.standin.calls_to("views.open") == []
    [told] = bot.standin.calls_to("chat.postEphemeral")
    assert told.params["user"] == user and told.params["channel"] == meeting.channel
    assert told.params["thread_ts"] == meeting.roots[3]  # shown in the thread it was used in
    assert "Only the author of this comment or the secretariat" in told.params["text"]
    assert bot.standin.calls_to("chat.postMessage") == []
    [refusal] = audit(bot)
    assert (refusal.actor, refusal.outcome) == (user, "refused")
    assert refusal.meeting_id == meeting_id(bot)
    assert comment(bot, ts).kind is None


def test_shortcut_on_a_message_that_is_no_recorded_comment_is_answered_privately(
    bot: Bot, meeting: PostedMeeting
):
    # The agenda item's own message: the bot's, not a comment.
    shortcut(bot, meeting, user=SECRETARIAT, ts=meeting.roots[3], author="U0DOCKETBT", thread_ts="")

    assert bot.standin.calls_to("views.open") == []
    [told] = bot.standin.calls_to("chat.postEphemeral")
    assert (told.params["user"], told.params["channel"]) == (SECRETARIAT, meeting.channel)
    assert told.params["text"] == NOT_A_COMMENT
    [refusal] = audit(bot)
    assert (refusal.actor, refusal.outcome) == (SECRETARIAT, "refused")
    assert "not a recorded comment" in refusal.detail


def test_shortcut_on_a_reply_from_someone_not_on_the_roster_is_refused(
    bot: Bot, meeting: PostedMeeting
):
    ts = reply(bot, meeting, user="U0STRANGER", text="I have views too.")

    shortcut(bot, meeting, user="U0STRANGER", ts=ts, author="U0STRANGER")

    assert bot.standin.calls_to("views.open") == []
    [told] = bot.standin.calls_to("chat.postEphemeral")
    assert told.params["text"] == NOT_A_COMMENT
    assert [r.outcome for r in audit(bot)] == ["refused"]


def test_shortcut_in_a_channel_the_bot_does_not_post_in_answers_by_direct_message(
    bot: Bot, meeting: PostedMeeting
):
    shortcut(bot, meeting, user=AUTHOR, ts="1594375200.000100", thread_ts="", channel="C0ELSEWHERE")

    assert bot.standin.calls_to("views.open") == []
    assert bot.standin.calls_to("chat.postEphemeral") == []  # the bot is not in that channel
    [told] = bot.standin.calls_to("chat.postMessage")
    assert (told.params["channel"], told.params["text"]) == (AUTHOR, NOT_A_COMMENT)
    [refusal] = audit(bot)
    assert (refusal.outcome, refusal.meeting_id) == ("refused", None)


@pytest.mark.parametrize("kind", ["objection", None], ids=["unknown", "none_chosen"])
def test_an_invalid_choice_keeps_the_modal_open_with_an_error(
    bot: Bot, meeting: PostedMeeting, kind: str | None
):
    ts = reply(bot, meeting, user=AUTHOR, text="Australia supports.")
    shortcut(bot, meeting, user=AUTHOR, ts=ts)

    submitted = submit(bot, opened_modal(bot), user=AUTHOR, kind=kind)

    assert submitted.status == 200
    answer = submitted.json()
    assert answer["response_action"] == "errors"
    assert "Choose one of: General comment, Drafting suggestion" in answer["errors"]["kind"]
    assert comment(bot, ts).kind is None
    assert audit(bot) == []


def test_a_static_select_submission_is_read_too(bot: Bot, meeting: PostedMeeting):
    ts = reply(bot, meeting, user=AUTHOR, text="Australia supports.")
    shortcut(bot, meeting, user=AUTHOR, ts=ts)

    submitted = submit(bot, opened_modal(bot), user=AUTHOR, kind="support", element="static_select")

    assert submitted.status == 200 and submitted.body == ""
    assert comment(bot, ts).kind == "support"


def test_a_submission_by_someone_who_may_not_is_refused_in_the_modal_and_audited(
    bot: Bot, meeting: PostedMeeting
):
    ts = reply(bot, meeting, user=AUTHOR, text="Australia supports.")
    shortcut(bot, meeting, user=AUTHOR, ts=ts)
    view = opened_modal(bot)

    submitted = submit(bot, view, user=OTHER, kind="reservation")  # the author's modal, replayed

    answer = submitted.json()
    assert answer["response_action"] == "errors"
    assert "Only the author of this comment or the secretariat" in answer["errors"]["kind"]
    assert comment(bot, ts).kind is None
    [refusal] = audit(bot)
    assert (refusal.actor, refusal.outcome) == (OTHER, "refused")


def test_a_submission_naming_no_comment_gets_an_error(bot: Bot, meeting: PostedMeeting):
    view = {"callback_id": CALLBACK, "private_metadata": "not json"}

    submitted = submit(bot, view, user=AUTHOR, kind="support")

    answer = submitted.json()
    assert answer["response_action"] == "errors" and "kind" in answer["errors"]


def test_reclassifying_changes_the_kind_and_the_audit_log_keeps_the_history(
    bot: Bot, meeting: PostedMeeting, tmp_path: Path
):
    ts = reply(bot, meeting, user=AUTHOR, text="We support, with a drafting change.")
    classify(bot, meeting, user=AUTHOR, ts=ts, kind="drafting")

    shortcut(bot, meeting, user=SECRETARIAT, ts=ts)
    view = opened_modal(bot)
    assert kind_element(view)["initial_option"]["value"] == "drafting"  # prefilled
    submitted = submit(bot, view, user=SECRETARIAT, kind="support")
    assert submitted.status == 200 and submitted.body == ""

    stored = comment(bot, ts)
    assert (stored.kind, stored.kind_by) == ("support", SECRETARIAT)
    assert [(e.actor, e.detail.split(": ", 1)[1]) for e in audit(bot)] == [
        (AUTHOR, "unclassified -> drafting"),
        (SECRETARIAT, "drafting -> support"),
    ]
    [row] = export_csv(bot, tmp_path / "record.csv")
    assert row["kind"] == "support"


def test_the_record_counts_active_comments_per_kind_per_item(bot: Bot, meeting: PostedMeeting):
    drafting = reply(bot, meeting, user=AUTHOR, text="Para 4: should, not shall.")
    reservation = reply(bot, meeting, user=OTHER, text="A reservation on para 2.")
    withdrawn = reply(bot, meeting, user=COLLEAGUE, text="We also support.")
    reply(bot, meeting, user="U0UPU0001", text="The UPU notes the proposal.", item=4)
    classify(bot, meeting, user=AUTHOR, ts=drafting, kind="drafting")
    classify(bot, meeting, user=SECRETARIAT, ts=reservation, kind="reservation")
    classify(bot, meeting, user=COLLEAGUE, ts=withdrawn, kind="support")
    bot.sender.delete(
        channel=meeting.channel,
        ts=withdrawn,
        thread_ts=meeting.roots[3],
        user=COLLEAGUE,
        previous_text="We also support.",
    )
    bot.settle()

    with session_scope(bot.database.engine) as session:
        summary = build_summary(session, meeting_id=meeting_id(bot), now=IN_SESSION)

    zero = {"general": 0, "drafting": 0, "support": 0, "reservation": 0, "unclassified": 0}
    assert summary.figures.by_item_classified == {
        3: {**zero, "drafting": 1, "reservation": 1},  # the withdrawn one is counted apart
        4: {**zero, "unclassified": 1},
        5: zero,
    }
    markdown = render_markdown(summary)
    assert "### Comments per item by classification" in markdown
    assert "· *Reservation*" in markdown and "· *Support*" in markdown  # shown where it stands
    page = record_html(bot)
    assert 'id="by-item-classification"' in page
