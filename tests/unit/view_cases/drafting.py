"""Samples of the revised-documents, drafting-groups and classification views (bot/views/
revisions.py, groups.py, classify.py), rendered in every language by test_views_in_languages.

A reader of a submitted form (`read_*`) says nothing itself: its sample reads back the form
the view draws, so the two are rendered together; `groups.member_name` likewise with the
welcome that shows the names.
"""

from collections.abc import Callable
from datetime import UTC, datetime

from bot.domain.classify import ClassifyOutcome, ClassifyTarget
from bot.domain.groups import GroupCommand, GroupOutcome, GroupProblem, SetUpReport
from bot.domain.revisions import ReviseOutcome, RevisionProblem
from bot.parse.group import GroupRequest
from bot.parse.revise import ReviseCommand
from bot.views import classify, groups, moments, revisions
from models import AgendaItem, Delegation, DraftingGroup, Meeting, Participant, RevisedDocument

URL = "https://example.org/PC0601E1-rev1.pdf"
MEETING = Meeting(
    id=1,
    key="ptc",
    title="Permanent Technical Committee",
    channel="C0MEET",
    timezone="Europe/Brussels",
    languages="en,fr",
    translations='{"fr": {"title": "Comité technique permanent"}}',
)
ITEM = AgendaItem(
    id=3,
    meeting_id=1,
    number=3,
    title="Disaster management",
    translations='{"fr": {"title": "Gestion des catastrophes"}}',
)
WINDOW_END = datetime(2020, 7, 24, 15, 0, tzinfo=UTC)
REVISION = RevisedDocument(
    id=7,
    item_id=3,
    code="PC0601E1/Rev.1",
    url=URL,
    title="Disaster management, revised",
    note="Paragraph 4 redrafted.",
    published_by="U0SEC0001",
    published_at=datetime(2020, 7, 20, 9, 0, tzinfo=UTC),
    concerns_deadline_at=WINDOW_END,
)
NO_WINDOW = RevisedDocument(
    id=8, item_id=3, code="PC0601E1/Rev.2", url=URL, published_by="U0SEC0001"
)


def _revision_problem(code: str, **values: object) -> Callable[[], object]:
    problem = RevisionProblem("until", code, **values)  # type: ignore[arg-type]
    return lambda: revisions.problem_text(MEETING, 3, problem)


def _revise_form_read_back() -> object:
    view = revisions.revise_form(MEETING, ITEM, suggested_code="PC0601E1/Rev.1")
    values = {
        revisions.CODE_BLOCK: {revisions.VALUE: {"value": "PC0601E1/Rev.1"}},
        revisions.URL_BLOCK: {revisions.VALUE: {"value": URL}},
        revisions.UNTIL_BLOCK: {revisions.VALUE: {"selected_date_time": 1595602800}},
    }
    return view, repr(revisions.read_revise_form({**view, "state": {"values": values}}))


REVISION_CASES: dict[str, Callable[[], object]] = {
    "revisions.usage": revisions.usage,
    "revisions.expired_form_text": revisions.expired_form_text,
    "revisions.revise_form": lambda: revisions.revise_form(MEETING, ITEM, suggested_code="PC1"),
    "revisions.read_revise_form": _revise_form_read_back,
    "revisions.revision_notice": lambda: revisions.revision_notice(MEETING, ITEM, REVISION),
    "revisions.revision_notice/no_window": lambda: revisions.revision_notice(
        MEETING, ITEM, NO_WINDOW
    ),
    "revisions.revision_direct_message": lambda: revisions.revision_direct_message(
        MEETING, ITEM, REVISION, "Australia", "https://slack.example/p1"
    ),
    "revisions.revision_direct_message/no_window": lambda: revisions.revision_direct_message(
        MEETING, ITEM, NO_WINDOW, "Australia", None
    ),
    "revisions.concerns_reminder": lambda: revisions.concerns_reminder(MEETING, ITEM, REVISION),
    "revisions.concerns_closed_notice": lambda: revisions.concerns_closed_notice(
        MEETING, ITEM, REVISION
    ),
    "revisions.published_reply": lambda: revisions.published_reply(
        ITEM, REVISION, MEETING.timezone
    ),
    "revisions.published_reply/no_window": lambda: revisions.published_reply(
        ITEM, NO_WINDOW, MEETING.timezone
    ),
    "revisions.command_reply": lambda: revisions.command_reply(MEETING, ReviseOutcome("help")),
    "revisions.command_reply/bad_command": lambda: revisions.command_reply(
        MEETING,
        ReviseOutcome(
            "bad_command", command=ReviseCommand("error", error="not_a_number", word="x")
        ),
    ),
    "revisions.command_reply/invalid": lambda: revisions.command_reply(
        MEETING,
        ReviseOutcome("invalid", number=3, problems=(RevisionProblem("code", "code_missing"),)),
    ),
    "revisions.command_reply/not_posted": lambda: revisions.command_reply(
        MEETING, ReviseOutcome("not_posted", number=5)
    ),
    "revisions.form_errors": lambda: revisions.form_errors(
        MEETING,
        ReviseOutcome(
            "invalid",
            number=3,
            problems=(
                RevisionProblem("url", "not_a_link", text="example.org/a.pdf"),
                RevisionProblem("until", "decided"),
            ),
        ),
    ),
    "revisions.form_errors/no_such_item": lambda: revisions.form_errors(
        MEETING, ReviseOutcome("no_such_item", number=9)
    ),
    "revisions.parse_error_text": lambda: revisions.parse_error_text(
        ReviseCommand("error", number=3, error="no_link")
    ),
    "revisions.parse_error_text/no_deadline": lambda: revisions.parse_error_text(
        ReviseCommand("error", number=3, error="no_deadline")
    ),
    "revisions.item_problem_text": lambda: revisions.item_problem_text(
        MEETING, ReviseOutcome("no_such_item", number=9)
    ),
    "revisions.problem_text": _revision_problem("code_missing"),
    "revisions.problem_text/code_too_long": _revision_problem("code_too_long"),
    "revisions.problem_text/title_too_long": _revision_problem("title_too_long"),
    "revisions.problem_text/note_too_long": _revision_problem("note_too_long"),
    "revisions.problem_text/deadline_past": _revision_problem("deadline_past", at=WINDOW_END),
    "revisions.problem_text/no_comment_deadline": _revision_problem("no_comment_deadline"),
    "revisions.problem_text/before_comment_deadline": _revision_problem(
        "before_comment_deadline", at=WINDOW_END
    ),
    "revisions.problem_text/window_open": _revision_problem("window_open", running=REVISION),
    "revisions.problem_text/duplicate": _revision_problem("duplicate", text="PC1"),
    "moments.moment_problem/revisions": lambda: moments.moment_problem(
        "next-week", MEETING.timezone
    ),
    "moments.moment_problem/revisions-no_time": lambda: moments.moment_problem(
        "2020-07-24", MEETING.timezone
    ),
    "moments.moment_problem/revisions-clocks_change": lambda: moments.moment_problem(
        "2020-03-29T02:30", MEETING.timezone
    ),
}

GROUP = DraftingGroup(
    id=5,
    meeting_id=1,
    item_id=3,
    name="Rules",
    slug="rules",
    created_by="U0SEC0001",
    channel="C0GRP",
    purpose="Redraft article 4.",
    topic="",
)
TOPIC_GROUP = DraftingGroup(
    id=6,
    meeting_id=1,
    name="Pandemics",
    slug="pandemics",
    topic="Customs and pandemics",
    created_by="U0SEC0001",
)
AUSTRALIA = Delegation(id=1, meeting_id=1, name="Australia", kind="member")
MEMBERS = [
    groups.member_name(
        Participant(meeting_id=1, user_id="U0AU00001", role="delegate", delegation_id=1),
        AUSTRALIA,
    ),
    groups.member_name(Participant(meeting_id=1, user_id="U0SEC0001", role="secretariat"), None),
]


def _group_problem(code: str, **values: object) -> Callable[[], object]:
    problem = GroupProblem("name", code, **values)  # type: ignore[arg-type]
    return lambda: groups.problem_text(MEETING, problem, in_form=False)


def _group_form_read_back() -> object:
    view = groups.group_modal(MEETING, [ITEM], item_number=3)
    values = {
        groups.NAME: {groups.NAME: {"value": "Rules"}},
        groups.MEMBERS: {groups.MEMBERS: {"selected_users": ["U0AU00001"]}},
    }
    return view, repr(groups.read_group_form({**view, "state": {"values": values}}))


DONE = SetUpReport(
    "done",
    5,
    "Rules",
    "U0SEC0001",
    "C0GRP",
    invited=("U0AU00001",),
    not_invited=(("U0CI00001", "cant_invite"),),
    linked_item=3,
)
FAILED = SetUpReport("failed", 5, "Rules", failed_step="welcome", slack_error="restricted")

GROUP_CASES: dict[str, Callable[[], object]] = {
    "groups.member_name": lambda: (
        repr(MEMBERS),
        groups.welcome_message(MEETING, GROUP, ITEM, MEMBERS),
    ),
    "groups.expired_form_text": groups.expired_form_text,
    "groups.welcome_message": lambda: groups.welcome_message(MEETING, GROUP, ITEM, MEMBERS),
    "groups.welcome_message/topic": lambda: groups.welcome_message(
        MEETING, TOPIC_GROUP, None, MEMBERS
    ),
    "groups.link_message": lambda: groups.link_message(GROUP, "C0GRP", ITEM, MEMBERS),
    "groups.link_message/topic": lambda: groups.link_message(TOPIC_GROUP, "C0TOP", None, MEMBERS),
    "groups.usage": lambda: groups.usage(),
    "groups.command_reply": lambda: groups.command_reply(
        MEETING, GroupCommand("help", GroupRequest("help", error="user_group"))
    ),
    "groups.command_reply/no_name": lambda: groups.command_reply(
        MEETING, GroupCommand("help", GroupRequest("help", error="no_name"))
    ),
    "groups.command_reply/no_members": lambda: groups.command_reply(
        MEETING, GroupCommand("help", GroupRequest("help", error="no_members"))
    ),
    "groups.command_reply/unreadable_members": lambda: groups.command_reply(
        MEETING, GroupCommand("help", GroupRequest("help", error="unreadable_members"))
    ),
    "groups.command_reply/no_such_item": lambda: groups.command_reply(
        MEETING, GroupCommand("no_such_item", GroupRequest("form", item_number=8))
    ),
    "groups.command_reply/list": lambda: groups.command_reply(
        MEETING, GroupCommand("list", GroupRequest("list"), groups=((GROUP, ITEM),))
    ),
    "groups.created_reply": lambda: groups.created_reply(
        MEETING, GroupOutcome("created", GROUP, item=ITEM, members=("U0AU00001",))
    ),
    "groups.created_reply/topic": lambda: groups.created_reply(
        MEETING, GroupOutcome("created", TOPIC_GROUP, members=("U0AU00001",))
    ),
    "groups.created_reply/resumed": lambda: groups.created_reply(
        MEETING, GroupOutcome("resumed", GROUP)
    ),
    "groups.created_reply/invalid": lambda: groups.created_reply(
        MEETING,
        GroupOutcome(
            "invalid",
            problems=(
                GroupProblem("members", "not_on_roster", users=("U0NO",)),
                GroupProblem("name", "name_taken", existing=GROUP),
            ),
        ),
    ),
    "groups.form_errors": lambda: groups.form_errors(
        MEETING,
        GroupOutcome(
            "invalid",
            problems=(
                GroupProblem("name", "name_missing"),
                GroupProblem("topic", "topic_missing"),
                GroupProblem("members", "not_on_roster", users=("U0NO", "U0NA")),
            ),
        ),
    ),
    "groups.form_errors/one_not_on_roster": lambda: groups.form_errors(
        MEETING,
        GroupOutcome(
            "invalid", problems=(GroupProblem("members", "not_on_roster", users=("U0NO",)),)
        ),
    ),
    "groups.problem_text": _group_problem("name_too_long"),
    "groups.problem_text/no_such_item": _group_problem("no_such_item", item_number=9),
    "groups.problem_text/topic_too_long": _group_problem("topic_too_long"),
    "groups.problem_text/purpose_too_long": _group_problem("purpose_too_long"),
    "groups.problem_text/no_members": _group_problem("no_members"),
    "groups.set_up_failure": lambda: groups.set_up_failure("create_channel", "name_taken"),
    "groups.set_up_failure/invite": lambda: groups.set_up_failure("invite", "cant_invite"),
    "groups.set_up_failure/link": lambda: groups.set_up_failure("link", "not_in_channel"),
    "groups.set_up_error": lambda: groups.set_up_error(FAILED),
    "groups.set_up_text": lambda: groups.set_up_text(DONE),
    "groups.set_up_text/failed": lambda: groups.set_up_text(FAILED),
    "groups.set_up_text/nobody_on_the_channel": lambda: groups.set_up_text(
        SetUpReport("done", 6, "Pandemics", "U0SEC0001", "C0TOP")
    ),
    "groups.group_list": lambda: groups.group_list(
        MEETING,
        [
            (GROUP, ITEM),
            (
                DraftingGroup(meeting_id=1, name="X", slug="x", topic="Y", created_by="U0SEC0001"),
                None,
            ),
        ],
    ),
    "groups.group_list/none": lambda: groups.group_list(MEETING, []),
    "groups.outsider_notice": lambda: groups.outsider_notice("Rules", ()),
    "groups.outsider_notice/named": lambda: groups.outsider_notice("Rules", ("U0SEC0001",)),
    "groups.group_modal": lambda: groups.group_modal(MEETING, [ITEM], item_number=3),
    "groups.read_group_form": _group_form_read_back,
}

TARGET = ClassifyTarget(
    "C0MEET",
    "1594987200.000100",
    in_meeting_channel=True,
    meeting_title="Permanent Technical Committee",
    item_number=3,
    item_title="Disaster management",
    delegation="Secretariat",
    author="U0SEC0001",
    text="x " * 400,
    kind="support",
    withdrawn=True,
)
CHOSEN = {classify.KIND_BLOCK: {classify.KIND_BLOCK: {"selected_option": {"value": "drafting"}}}}

CLASSIFY_CASES: dict[str, Callable[[], object]] = {
    "classify.invalid_kind_text": classify.invalid_kind_text,
    "classify.expired_form_text": classify.expired_form_text,
    "classify.classify_modal": lambda: classify.classify_modal(TARGET),
    "classify.target_refusal_text": lambda: classify.target_refusal_text(
        ClassifyTarget("C0MEET", "1.2", "not_a_comment")
    ),
    "classify.classify_error": lambda: classify.classify_error(ClassifyOutcome("missing")),
    "classify.classify_error/invalid": lambda: classify.classify_error(ClassifyOutcome("invalid")),
    "classify.read_modal_comment": lambda: (
        classify.classify_modal(TARGET),
        repr(classify.read_modal_comment(classify.classify_modal(TARGET)["private_metadata"])),
    ),
    "classify.read_modal_kind": lambda: (
        classify.classify_modal(TARGET),
        classify.read_modal_kind(CHOSEN),
    ),
}

CASES: dict[str, Callable[[], object]] = {**REVISION_CASES, **GROUP_CASES, **CLASSIFY_CASES}
