"""Several gunicorn workers on one PostgreSQL database, with Slack delivering at the same time.

The Procfile's web line is started with three workers; real concurrent HTTP requests race each
other through them.  Whatever the interleaving, each Slack message is one comment and the record
stays consistent.
"""

from concurrent.futures import ThreadPoolExecutor

from sqlmodel import col, select

from bot.core.db import session_scope
from bot.demo.standin import SlackSender
from models import Comment, CommentRevision, Decision
from tests.conftest import Bot, Meeting


def comments(bot: Bot) -> list[Comment]:
    with session_scope(bot.database.engine) as session:
        return list(session.exec(select(Comment).order_by(col(Comment.id))))


def test_same_reply_to_many_workers_at_once_is_one_comment(
    bot: Bot, meeting: Meeting, workers: SlackSender
):
    ts = workers.next_ts()

    def deliver(n: int) -> int:
        retry = n if n % 2 else None  # a mix of Slack's retries and new event ids
        return workers.reply(
            channel=meeting.channel,
            user="U0AU00001",
            text="Once, whatever happens.",
            thread_ts=meeting.roots[3],
            ts=ts,
            retry_num=retry,
        ).status

    with ThreadPoolExecutor(max_workers=16) as pool:
        statuses = list(pool.map(deliver, range(24)))
    assert statuses == [200] * 24
    [comment] = comments(bot)
    assert comment.ts == ts and comment.revisions == 0
    bot.standin.wait_for("reactions.add", timeout=10)


def test_edit_racing_its_original_leaves_one_comment_with_the_newest_text(
    bot: Bot, meeting: Meeting, workers: SlackSender
):
    def original(ts: str, n: int) -> int:
        return workers.reply(
            channel=meeting.channel,
            user="U0CI00001",
            text=f"draft {n}",
            thread_ts=meeting.roots[4],
            ts=ts,
        ).status

    def edit(ts: str, edited: str, n: int) -> int:
        return workers.edit(
            channel=meeting.channel,
            user="U0CI00001",
            ts=ts,
            thread_ts=meeting.roots[4],
            text=f"final {n}",
            previous_text=f"draft {n}",
            edited_ts=edited,
        ).status

    for n in range(5):
        ts, edited = workers.next_ts(), workers.next_ts()
        with ThreadPoolExecutor(max_workers=4) as pool:
            futures = [
                pool.submit(edit, ts, edited, n),
                pool.submit(original, ts, n),
                pool.submit(edit, ts, edited, n),  # Slack redelivering the edit
            ]
            assert [f.result() for f in futures] == [200, 200, 200]
    rows = comments(bot)
    assert len(rows) == 5
    assert all(c.text.startswith("final") and c.revisions == 1 for c in rows)
    with session_scope(bot.database.engine) as session:
        assert len(list(session.exec(select(CommentRevision)))) == 10  # draft and final, each once


def test_decision_racing_comments_keeps_both_and_a_consistent_record(
    bot: Bot, meeting: Meeting, workers: SlackSender
):
    def comment(n: int) -> int:
        return workers.reply(
            channel=meeting.channel,
            user="U0AU00001",
            text=f"point {n}",
            thread_ts=meeting.roots[3],
        ).status

    def decide() -> int:
        return workers.command(
            command="/approve",
            text="3 Approved as amended.",
            user="U0CHAIR01",
            channel=meeting.channel,
        ).status

    with ThreadPoolExecutor(max_workers=12) as pool:
        futures = [pool.submit(comment, n) for n in range(10)]
        futures.insert(5, pool.submit(decide))
        assert [f.result() for f in futures] == [200] * 11
    assert sorted(c.text for c in comments(bot)) == sorted(f"point {n}" for n in range(10))
    with session_scope(bot.database.engine) as session:
        [decision] = session.exec(select(Decision))
    assert decision.text == "Approved as amended." and decision.supersedes_id is None
