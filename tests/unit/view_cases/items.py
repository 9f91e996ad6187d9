"""Samples of the item, decision, refusal and silence views (bot/views/messages.py, decisions.py,
refusals.py, silence.py), for tests/unit/test_views_in_languages.py."""

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from bot.domain.deadlines import ExtendOutcome
from bot.domain.decisions import DecisionOutcome
from bot.domain.items import ItemState
from bot.domain.permissions import Permission, Refusal
from bot.domain.silence import SilenceOutcome
from bot.parse.approve import ApproveRequest, ExtendRequest, ObjectRequest
from bot.views import decisions, messages, moments, refusals, silence
from bot.views.i18n import text_of
from models import (
    AgendaItem,
    Decision,
    Document,
    Meeting,
    RevisedDocument,
    SilenceProcedure,
)

NOON = datetime(2020, 8, 14, 12, 0, tzinfo=UTC)
FIVE = datetime(2020, 8, 14, 17, 0, tzinfo=UTC)
MEETING = Meeting(
    id=1,
    key="ptc",
    title="PTC 2020",
    channel="C0MEET",
    timezone="Europe/Brussels",
    languages="en,fr",
    translations=json.dumps({"fr": {"title": "CTP 2020"}}),
)
ITEM = AgendaItem(
    id=3,
    meeting_id=1,
    number=3,
    title="Rules of procedure",
    proposal="The PTC adopts the rules.",
    post_channel="C0MEET",
    post_ts="1.0",
    deadline_at=FIVE,
    translations=json.dumps(
        {"fr": {"title": "Règlement intérieur", "proposal": "Le CTP adopte le règlement."}}
    ),
)
UNPOSTED = AgendaItem(id=4, meeting_id=1, number=4, title="Budget", deadline_at=FIVE)
DOCUMENT = Document(
    id=1,
    item_id=3,
    code="PC0001E1",
    title="Draft rules",
    url="https://example.org/PC0001E1.pdf",
    translations=json.dumps({"fr": {"title": "Projet de règlement"}}),
)
REVISED = RevisedDocument(
    id=2,
    item_id=3,
    code="PC0001E2",
    title="Draft rules, revised",
    url="https://example.org/PC0001E2.pdf",
    published_at=NOON,
    published_by="U0SEC",
    concerns_deadline_at=FIVE + timedelta(days=3),
)
DECISION = Decision(
    id=7,
    item_id=3,
    kind="noted",
    procedure="chair",
    text="The PTC took note.",
    decided_by="U0CHAIR",
    decided_at=NOON,
)
ADOPTED = Decision(
    id=8,
    item_id=3,
    kind="approved",
    procedure="silence",
    text="The PTC adopts the rules.",
    decided_by="U0CHAIR",
    decided_at=FIVE,
)


def procedure(status: str) -> SilenceProcedure:
    return SilenceProcedure(
        id=9,
        item_id=3,
        text="The PTC adopts the rules.",
        started_by="U0CHAIR",
        started_at=NOON,
        deadline_at=FIVE,
        status=status,
    )


def state(
    *,
    decision: Decision | None = None,
    closed: bool = False,
    procedure_: SilenceProcedure | None = None,
    revised: bool = False,
    concerns: bool = False,
    documents: int = 1,
    proposal: str | None = None,
) -> ItemState:
    item = ITEM if proposal is None else ITEM.model_copy(update={"proposal": proposal})
    docs = [
        DOCUMENT.model_copy(update={"code": f"PC{n:04d}E1", "url": f"https://example.org/{n}"})
        for n in range(documents)
    ]
    return ItemState(
        MEETING,
        item,
        docs,
        decision,
        closed,
        procedure_,
        [REVISED] if revised else [],
        FIVE + timedelta(days=3) if concerns else None,
    )


def refusal(permission: Permission, role: str | None = "member") -> Refusal:
    return Refusal(permission, "close", "PTC 2020", role, ("U0CHAIR",))  # type: ignore[arg-type]


def decided(kind: str, request: ApproveRequest | None = None, **fields: object) -> DecisionOutcome:
    asked = request or ApproveRequest("decide", number=3)
    return DecisionOutcome(kind, MEETING, asked, **fields)  # type: ignore[arg-type]


def silenced(kind: str, **fields: object) -> SilenceOutcome:
    return SilenceOutcome(kind, MEETING, number=3, **fields)  # type: ignore[arg-type]


def extended(kind: str, **fields: object) -> ExtendOutcome:
    request = fields.pop("request", ExtendRequest("extend", number=3, moment="2020-08-20T17:00"))
    return ExtendOutcome(kind, MEETING, request, **fields)  # type: ignore[arg-type]


OBJECTION = ObjectRequest("object", number=3, reason="We cannot accept paragraph 4.")
LONG = " ".join(f"word{n}" for n in range(3_000))

CASES: dict[str, Callable[[], object]] = {
    # -- messages.py
    "messages.item_message": lambda: messages.item_message(state()),
    "messages.item_message/decided": lambda: messages.item_message(state(decision=DECISION)),
    "messages.item_message/closed": lambda: messages.item_message(state(closed=True)),
    "messages.item_message/silence": lambda: messages.item_message(
        state(procedure_=procedure("running"))
    ),
    "messages.item_message/broken": lambda: messages.item_message(
        state(procedure_=procedure("broken"))
    ),
    "messages.item_message/concerns": lambda: messages.item_message(
        state(closed=True, revised=True, concerns=True)
    ),
    "messages.item_message/long": lambda: messages.item_message(
        state(documents=300, proposal=LONG)
    ),
    "messages.item_details": lambda: messages.item_details(state(documents=300, proposal=LONG)),
    "messages.decision_summary": lambda: messages.decision_summary(DECISION, "UTC"),
    "messages.closed_notice": lambda: messages.closed_notice(MEETING, ITEM),
    "messages.reminder_message": lambda: messages.reminder_message(MEETING, [ITEM]),
    "messages.reminder_message/several": lambda: messages.reminder_message(
        MEETING, [ITEM, UNPOSTED]
    ),
    "messages.nudge_message": lambda: messages.nudge_message(
        MEETING, ITEM, "Chile", "https://example.slack.com/archives/C0MEET/p1"
    ),
    "messages.nudge_message/no_link": lambda: messages.nudge_message(MEETING, ITEM, "Chile", None),
    "messages.silence_status": lambda: messages.silence_status(procedure("running"), "UTC"),
    "messages.silence_status/broken": lambda: messages.silence_status(procedure("broken"), "UTC"),
    "messages.document_link": lambda: messages.document_link(
        DOCUMENT.code, DOCUMENT.url, text_of(DOCUMENT, "title")
    ),
    # -- decisions.py
    "decisions.approve_usage": decisions.approve_usage,
    "decisions.decision_announcement": lambda: decisions.decision_announcement(
        MEETING, ITEM, DECISION, DECISION
    ),
    "decisions.superseded_notice": lambda: decisions.superseded_notice(
        MEETING, ITEM, DECISION, DECISION
    ),
    "decisions.awaiting_list": lambda: decisions.awaiting_list(MEETING, (ITEM, UNPOSTED)),
    "decisions.awaiting_list/none": lambda: decisions.awaiting_list(MEETING, ()),
    "decisions.decision_confirmation": lambda: decisions.decision_confirmation(
        ITEM, DECISION, True
    ),
    "decisions.approve_parse_error": lambda: decisions.approve_parse_error(
        ApproveRequest("error", error="not_a_number", word="x")
    ),
    "decisions.approve_parse_error/silence": lambda: decisions.approve_parse_error(
        ApproveRequest("error", error="no_silence_deadline", word="3")
    ),
    "decisions.decision_reply": lambda: decisions.decision_reply(
        decided("decided", item=ITEM, decision=DECISION, superseded=DECISION)
    ),
    "decisions.decision_reply/help": lambda: decisions.decision_reply(decided("help")),
    "decisions.decision_reply/refused": lambda: decisions.decision_reply(
        decided("refused", refusal=refusal(Permission.DECIDE))
    ),
    "decisions.decision_reply/list": lambda: decisions.decision_reply(
        decided("list", awaiting=(ITEM,))
    ),
    "decisions.decision_reply/no_such_item": lambda: decisions.decision_reply(
        decided("no_such_item", ApproveRequest("decide", number=9), numbers=(1, 3))
    ),
    "decisions.decision_reply/not_posted": lambda: decisions.decision_reply(
        decided("not_posted", item=UNPOSTED)
    ),
    "decisions.decision_reply/no_proposal": lambda: decisions.decision_reply(
        decided("no_proposal", item=UNPOSTED)
    ),
    "decisions.decision_reply/silence": lambda: decisions.decision_reply(
        decided("silence", silence=silenced("not_running"))
    ),
    # -- refusals.py
    "refusals.refusal_text": lambda: refusals.refusal_text(refusal(Permission.DECIDE)),
    "refusals.refusal_text/no_chair": lambda: refusals.refusal_text(
        Refusal(Permission.DECIDE, "approve", "PTC 2020", "member")
    ),
    "refusals.refusal_text/deadline": lambda: refusals.refusal_text(
        refusal(Permission.MOVE_DEADLINE)
    ),
    "refusals.refusal_text/observer": lambda: refusals.refusal_text(
        refusal(Permission.OBJECT, "observer")
    ),
    "refusals.refusal_text/object": lambda: refusals.refusal_text(refusal(Permission.OBJECT)),
    "refusals.refusal_text/manage": lambda: refusals.refusal_text(refusal(Permission.MANAGE)),
    "refusals.refusal_text/classify": lambda: refusals.refusal_text(
        refusal(Permission.CLASSIFY_ANY)
    ),
    "refusals.refusal_text/group": lambda: refusals.refusal_text(
        refusal(Permission.WRITE_IN_ANY_GROUP)
    ),
    # -- silence.py
    "silence.object_usage": silence.object_usage,
    "silence.extend_usage": silence.extend_usage,
    "moments.moment_problem/silence": lambda: moments.moment_problem("tomorrow", "UTC"),
    "moments.moment_problem/silence-day": lambda: moments.moment_problem("2020-08-14", "UTC"),
    "moments.moment_problem/silence-gap": lambda: moments.moment_problem(
        "2020-03-29T02:30", "Europe/Brussels"
    ),
    "silence.silence_notice": lambda: silence.silence_notice(MEETING, ITEM, procedure("running")),
    "silence.silence_notice/adopted": lambda: silence.silence_notice(
        MEETING, ITEM, procedure("adopted")
    ),
    "silence.silence_notice/broken": lambda: silence.silence_notice(
        MEETING, ITEM, procedure("broken")
    ),
    "silence.silence_thread_notice": lambda: silence.silence_thread_notice(
        MEETING, ITEM, procedure("cancelled")
    ),
    "silence.objection_notice": lambda: silence.objection_notice(
        ITEM, "Chile", "U0CL", "We cannot accept paragraph 4.", True
    ),
    "silence.objection_notice/further": lambda: silence.objection_notice(
        ITEM, "Chile", "U0CL", "We cannot accept paragraph 4.", False
    ),
    "silence.adoption_notice": lambda: silence.adoption_notice(MEETING, ITEM, ADOPTED),
    "silence.extension_notice": lambda: silence.extension_notice(MEETING, ITEM, NOON, False),
    "silence.extension_notice/reopened": lambda: silence.extension_notice(
        MEETING, ITEM, None, True
    ),
    "silence.silence_reply": lambda: silence.silence_reply(
        silenced("started", item=ITEM, procedure=procedure("running"))
    ),
    "silence.silence_reply/bad_deadline": lambda: silence.silence_reply(
        silenced("bad_deadline", until_text="tomorrow")
    ),
    "silence.silence_reply/too_soon": lambda: silence.silence_reply(
        silenced("too_soon", minimum=timedelta(days=3), earliest=FIVE)
    ),
    "silence.silence_reply/already_running": lambda: silence.silence_reply(
        silenced("already_running")
    ),
    "silence.silence_reply/no_proposal": lambda: silence.silence_reply(
        silenced("no_proposal", until_text="2020-08-14T17:00")
    ),
    "silence.silence_reply/not_running": lambda: silence.silence_reply(silenced("not_running")),
    "silence.silence_reply/ended": lambda: silence.silence_reply(silenced("ended")),
    "silence.silence_reply/refused": lambda: silence.silence_reply(
        silenced("refused", refusal=refusal(Permission.OBJECT, "observer"))
    ),
    "silence.silence_reply/help": lambda: silence.silence_reply(silenced("help")),
    "silence.silence_reply/no_such_item": lambda: silence.silence_reply(silenced("no_such_item")),
    "silence.silence_reply/too_late": lambda: silence.silence_reply(
        silenced("too_late", procedure=procedure("adopted"))
    ),
    "silence.silence_reply/objected": lambda: silence.silence_reply(
        silenced("objected", first=True)
    ),
    "silence.silence_reply/objected_again": lambda: silence.silence_reply(
        silenced("objected", first=False)
    ),
    "silence.object_parse_error": lambda: silence.object_parse_error(
        ObjectRequest("error", error="not_a_number", word="x")
    ),
    "silence.object_parse_error/no_reason": lambda: silence.object_parse_error(
        ObjectRequest("error", number=3, error="no_reason")
    ),
    "silence.extend_reply": lambda: silence.extend_reply(
        extended("moved", item=ITEM, deadline=FIVE, reopened=True)
    ),
    "silence.extend_reply/unposted": lambda: silence.extend_reply(
        extended("moved", item=UNPOSTED, deadline=FIVE)
    ),
    "silence.extend_reply/moved": lambda: silence.extend_reply(
        extended("moved", item=ITEM, deadline=FIVE)
    ),
    "silence.extend_reply/refused": lambda: silence.extend_reply(
        extended("refused", refusal=refusal(Permission.MOVE_DEADLINE))
    ),
    "silence.extend_reply/no_such_item": lambda: silence.extend_reply(extended("no_such_item")),
    "silence.extend_reply/bad_deadline": lambda: silence.extend_reply(
        extended("bad_deadline", request=ExtendRequest("extend", number=3, moment="soon"))
    ),
    "silence.extend_reply/in_the_past": lambda: silence.extend_reply(
        extended("in_the_past", deadline=NOON)
    ),
    "silence.extend_reply/before_opening": lambda: silence.extend_reply(
        extended("before_opening", item=ITEM.model_copy(update={"opens_at": FIVE}))
    ),
    "silence.extend_parse_error": lambda: silence.extend_parse_error(
        ExtendRequest("error", error="extra_text", number=3, word="pls")
    ),
    "silence.extend_parse_error/no_deadline": lambda: silence.extend_parse_error(
        ExtendRequest("error", error="no_deadline", number=3)
    ),
}
