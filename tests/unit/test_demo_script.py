"""The demo's meeting file and conversation script keep the figures the demo promises.

The demo retells the WCO PTC's 2020 written session (about 140 people, 32 Members, 7 observers,
nine items, 390 comments), so these tests pin those figures and the awkward cases the script must
contain; the bot's own tests check what the bot does with them.
"""

import re
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml

from bot.demo.script import (
    Decide,
    Delete,
    Edit,
    Group,
    GroupPost,
    Object,
    Redeliver,
    Reply,
    Silence,
    Step,
    Stranger,
    build_script,
    summary_counts,
)

MEETING_FILE = Path(__file__).resolve().parents[2] / "examples" / "ptc-2020.yaml"
USER_ID = re.compile(r"^[UW][A-Z0-9]{8,10}$")
EMAIL = re.compile(r"^[a-z0-9._-]+@[a-z0-9.-]+\.example$")


@pytest.fixture(scope="module")
def meeting() -> dict[str, Any]:
    with MEETING_FILE.open(encoding="utf-8") as f:
        data = yaml.safe_load(f)
    assert isinstance(data, dict)
    return data


@pytest.fixture(scope="module")
def script(meeting: dict[str, Any]) -> list[Step]:
    return build_script(meeting)


def everyone(meeting: dict[str, Any]) -> list[str]:
    users = [*meeting["chair"], *meeting["secretariat"]]
    for delegation in meeting["delegations"]:
        users.extend(delegation["delegates"])
    return users


def roles(meeting: dict[str, Any]) -> dict[str, tuple[str, str]]:
    """user -> (kind, delegation name); chair and secretariat are their own kinds."""
    found = {u: ("chair", "Chair") for u in meeting["chair"]}
    found |= {u: ("secretariat", "Secretariat") for u in meeting["secretariat"]}
    for delegation in meeting["delegations"]:
        for user in delegation["delegates"]:
            found[user] = (delegation["kind"], delegation["name"])
    return found


def local(meeting: dict[str, Any], value: str) -> datetime:
    return datetime.fromisoformat(value).replace(tzinfo=ZoneInfo(meeting["timezone"]))


def replies_of(script: list[Step]) -> list[Reply]:
    return [s for s in script if isinstance(s, Reply)]


# --- the meeting file -------------------------------------------------------------------------


def test_meeting_file_has_the_contract_keys(meeting: dict[str, Any]) -> None:
    assert meeting["key"] == "ptc-2020"
    assert meeting["channel"] == "C0PTC2020"
    assert meeting["timezone"] == "Europe/Brussels"
    assert "Permanent Technical Committee" in meeting["title"]["en"]
    assert "Comité technique permanent" in meeting["title"]["fr"]
    assert meeting["languages"] == ["en", "fr"]
    assert len(meeting["chair"]) == 1
    assert len(meeting["secretariat"]) == 6


def test_meeting_file_has_32_members_and_7_observers(meeting: dict[str, Any]) -> None:
    kinds = Counter(d["kind"] for d in meeting["delegations"])
    assert kinds == {"member": 32, "observer": 7}
    names = [d["name"] for d in meeting["delegations"]]
    assert len(set(names)) == len(names)
    for delegation in meeting["delegations"]:
        low, high = (2, 5) if delegation["kind"] == "member" else (1, 3)
        assert low <= len(delegation["delegates"]) <= high, delegation["name"]


def test_meeting_file_has_about_140_participants_each_listed_once(
    meeting: dict[str, Any],
) -> None:
    users = everyone(meeting)
    assert 130 <= len(users) <= 150
    assert len(set(users)) == len(users)


def test_every_participant_is_a_user_id_or_an_email(meeting: dict[str, Any]) -> None:
    users = everyone(meeting)
    emails = [u for u in users if "@" in u]
    assert all(USER_ID.match(u) for u in users if "@" not in u)
    assert all(EMAIL.match(e) for e in emails)
    assert 6 <= len(emails) <= 10


def test_meeting_file_has_nine_items_that_open_before_their_deadlines(
    meeting: dict[str, Any],
) -> None:
    agenda = meeting["agenda"]
    numbers = [item["number"] for item in agenda]
    assert len(agenda) == 9
    assert len(set(numbers)) == 9
    assert all(isinstance(n, int) and n > 0 for n in numbers)
    session_opens = local(meeting, "2020-07-03T09:00")
    for item in agenda:
        assert item["title"] and item["proposal"]
        assert 1 <= len(item["documents"]) <= 3
        for document in item["documents"]:
            assert document["url"].startswith("https://www.wcoomd.example/")
        opens, deadline = local(meeting, item["opens"]), local(meeting, item["deadline"])
        assert session_opens <= opens < deadline <= session_opens + timedelta(weeks=7)


# --- the script -------------------------------------------------------------------------------


def test_same_seed_gives_the_same_script(meeting: dict[str, Any], script: list[Step]) -> None:
    assert build_script(meeting) == script
    assert build_script(meeting, seed=7) == build_script(meeting, seed=7)
    assert build_script(meeting, seed=7) != script


def test_script_is_chronological_in_aware_utc(script: list[Step]) -> None:
    times = [s.at for s in script if not isinstance(s, Redeliver)]
    assert times == sorted(times)
    assert all(t.tzinfo is not None and t.utcoffset() == timedelta(0) for t in times)
    assert all(t.tzinfo is UTC for t in times)


def test_messages_have_distinct_times_because_times_become_slack_ts(script: list[Step]) -> None:
    times = [s.at for s in script if isinstance(s, Reply | Stranger)]
    assert len(set(times)) == len(times)


def test_script_has_390_replies_and_the_promised_cases(script: list[Step]) -> None:
    assert summary_counts(script) == {
        "reply": 390,
        "edit": 15,
        "delete": 6,
        "redeliver": 6,
        "stranger": 5,
        "decide": 8,
        "silence": 2,
        "object": 1,
        "group": 1,
        "grouppost": 6,
        "revise": 1,
        "concern": 2,
    }
    assert [r.ref for r in replies_of(script)] == list(range(390))


def test_reply_count_is_a_parameter(meeting: dict[str, Any]) -> None:
    assert summary_counts(build_script(meeting, replies=200))["reply"] == 200


def test_too_few_replies_are_refused(meeting: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="too few"):
        build_script(meeting, replies=20)


def test_every_ref_points_at_an_earlier_reply(script: list[Step]) -> None:
    seen: dict[int, Reply] = {}
    deleted: set[int] = set()
    for step in script:
        if isinstance(step, Reply):
            seen[step.ref] = step
        elif isinstance(step, Edit | Delete | Redeliver):
            assert step.ref in seen
            assert step.ref not in deleted
            if isinstance(step, Edit | Delete):
                assert step.at > seen[step.ref].at
            if isinstance(step, Delete):
                deleted.add(step.ref)


def test_edits_deletes_and_redeliveries_touch_different_replies(script: list[Step]) -> None:
    edits = Counter(s.ref for s in script if isinstance(s, Edit))
    deletes = {s.ref for s in script if isinstance(s, Delete)}
    redelivered = {s.ref for s in script if isinstance(s, Redeliver)}
    assert sorted(edits.values(), reverse=True)[:2] == [2, 1]  # one reply edited twice
    assert not deletes & set(edits)
    assert not redelivered & (deletes | set(edits))
    modes = Counter(s.mode for s in script if isinstance(s, Redeliver))
    assert modes == {"retry": 3, "new_event_id": 3}


def test_edits_change_the_text(script: list[Step]) -> None:
    text = {r.ref: r.text for r in replies_of(script)}
    for step in script:
        if isinstance(step, Edit):
            assert step.text != text[step.ref]
            text[step.ref] = step.text


def test_strangers_are_not_on_the_roster(meeting: dict[str, Any], script: list[Step]) -> None:
    strangers = [s for s in script if isinstance(s, Stranger)]
    numbers = {item["number"] for item in meeting["agenda"]}
    assert strangers
    assert not {s.user for s in strangers} & set(everyone(meeting))
    assert all(USER_ID.match(s.user) and s.item in numbers for s in strangers)


def test_replies_come_from_the_roster_in_the_promised_shares(
    meeting: dict[str, Any], script: list[Step]
) -> None:
    who = roles(meeting)
    kinds = Counter(who[r.user][0] for r in replies_of(script))
    assert set(kinds) == {"member", "observer", "chair", "secretariat"}
    assert 0.10 <= kinds["observer"] / 390 <= 0.14
    assert 0.03 <= (kinds["chair"] + kinds["secretariat"]) / 390 <= 0.05
    authors = {r.user for r in replies_of(script)}
    assert any("@" in a for a in authors)  # e-mail delegates speak too, so the lookup matters


def test_every_member_speaks_on_two_items_and_some_stay_quiet(
    meeting: dict[str, Any], script: list[Step]
) -> None:
    who = roles(meeting)
    items_by_member: dict[str, set[int]] = defaultdict(set)
    for reply in replies_of(script):
        kind, name = who[reply.user]
        if kind == "member":
            items_by_member[name].add(reply.item)
    members = [d["name"] for d in meeting["delegations"] if d["kind"] == "member"]
    assert set(items_by_member) == set(members)
    assert all(len(items) >= 2 for items in items_by_member.values())
    quiet = [name for name, items in items_by_member.items() if len(items) == 2]
    assert 2 <= len(quiet) <= 3
    observers = {who[r.user][1] for r in replies_of(script) if who[r.user][0] == "observer"}
    assert len(observers) == 7


def test_covid_and_e_commerce_items_get_most_comments(
    meeting: dict[str, Any], script: list[Step]
) -> None:
    per_item = Counter(r.item for r in replies_of(script))
    busiest = {n for n, _ in per_item.most_common(3)}
    hot = {
        item["number"]
        for item in meeting["agenda"]
        if "COVID" in item["title"]["en"] or "commerce" in item["title"]["en"].lower()
    }
    assert busiest == hot


def test_replies_fall_in_the_window_and_a_few_are_late(
    meeting: dict[str, Any], script: list[Step]
) -> None:
    windows = {
        item["number"]: (local(meeting, item["opens"]), local(meeting, item["deadline"]))
        for item in meeting["agenda"]
    }
    late = 0
    for reply in replies_of(script):
        opens, deadline = windows[reply.item]
        assert opens < reply.at <= deadline + timedelta(days=2)
        late += reply.at > deadline
    assert 0.02 * 390 <= late <= 0.06 * 390


def test_texts_include_unicode_markup_and_escapes(script: list[Step]) -> None:
    texts = [r.text for r in replies_of(script)]
    joined = "\n".join(texts)
    for fragment in ("Côte d'Ivoire", "São Paulo", "Türkiye", ":+1:", "👍", "&amp;", "&lt;"):
        assert fragment in joined, fragment
    assert "&gt;" in joined
    assert re.search(r"[\u4e00-\u9fff]", joined)  # Chinese
    assert re.search(r"[\u0600-\u06ff]", joined)  # Arabic
    assert re.search(r"<@U0SEC\w+>", joined)  # secretariat mentioned
    assert re.search(r"<https://[^|>]+\|[^>]+>", joined)  # labelled link
    assert re.search(r"(^|\s)\*[^*\n]+\*", joined)  # bold
    assert re.search(r"(^|\s)_[^_\n]+_", joined)  # italics
    assert any(t.startswith("=") for t in texts)
    assert any("\n" in t for t in texts)
    assert all(t.strip() for t in texts)


def test_decisions_close_the_session(meeting: dict[str, Any], script: list[Step]) -> None:
    closing = [s for s in script if isinstance(s, Decide | Silence | Object)]
    assert script[-len(closing) :] == closing  # nothing else happens once the chair decides
    decisions = [s for s in script if isinstance(s, Decide)]
    assert Counter(d.kind for d in decisions) == {"approve": 6, "note": 1, "defer": 1}
    silences = [s for s in script if isinstance(s, Silence)]
    [objection] = [s for s in script if isinstance(s, Object)]
    assert len(silences) == 2 and all(s.until - s.at >= timedelta(hours=72) for s in silences)
    broken = next(s for s in silences if s.item == objection.item)
    assert broken.at < objection.at < broken.until  # the objection breaks a running silence
    deadlines = {item["number"]: local(meeting, item["deadline"]) for item in meeting["agenda"]}
    assert all(d.at > deadlines[d.item] for d in decisions)
    approvals = [d for d in decisions if d.kind == "approve"]
    assert any(d.text is None for d in approvals)
    assert any(d.text for d in approvals)
    per_item = Counter(d.item for d in decisions)
    corrected = [n for n, count in per_item.items() if count == 2]
    assert len(corrected) == 1
    first, second = (d for d in decisions if d.item == corrected[0])
    assert first.kind == second.kind == "approve"
    assert second.at > first.at
    assert second.text and second.text.startswith("Correction")
    awaiting = set(deadlines) - set(per_item) - {s.item for s in silences}
    assert len(awaiting) == 1  # the item adopted by silence is decided by the clock, not here


def test_a_mini_group_drafts_new_rules_of_procedure_before_the_items_deadline(
    meeting: dict[str, Any], script: list[Step]
) -> None:
    [group] = [s for s in script if isinstance(s, Group)]
    item = next(i for i in meeting["agenda"] if i["number"] == group.item)
    assert "Rules of Procedure" in item["title"]["en"]
    assert group.by in meeting["secretariat"] and len(group.members) == 4
    posts = [s for s in script if isinstance(s, GroupPost)]
    assert [p.ref for p in posts] == list(range(len(posts)))
    assert all(group.at < p.at < local(meeting, item["deadline"]) for p in posts)
    assert {p.user for p in posts} <= {*group.members, group.by}
    # Top-level messages, replies under the welcome, and replies in a member's thread.
    assert {p.reply_to for p in posts} >= {None, -1} and any(
        p.reply_to is not None and p.reply_to >= 0 for p in posts
    )
    assert all(p.reply_to is None or p.reply_to < p.ref for p in posts)
