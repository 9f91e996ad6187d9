from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime

from bot.domain.enrolment import (
    Attached,
    Choice,
    Form,
    JoinLine,
    Offer,
    RequestLine,
    Ruling,
    Submitted,
)
from bot.domain.permissions import Permission, Refusal
from bot.views import enrolment
from models import EnrolmentRequest, Meeting

ASKED = datetime(2020, 7, 10, 10, 0, tzinfo=UTC)
MEETING = Meeting(
    id=1,
    key="ptc",
    title="Permanent Technical Committee",
    channel="C0TEST0001",
    timezone="Europe/Brussels",
    languages="en,fr",
)
ONE_LANGUAGE = Meeting(id=2, key="one", title="PTC", channel="C1", timezone="UTC", languages="en")
OFFER = Offer(MEETING, ("en", "fr"), ("U0SEC0001",))
PENDING_OFFER = Offer(MEETING, ("en", "fr"), ("U0SEC0001",), "pending", "Senegal")
CHOICES = (
    Choice(1, "Senegal", "member"),
    Choice(2, "Côte d'Ivoire", "member"),
    Choice(3, "Universal Postal Union", "observer"),
)
REQUEST = EnrolmentRequest(
    id=7,
    meeting_id=1,
    user_id="U0NEW0001",
    delegation_id=1,
    name="Awa Diop",
    about="Senegal Customs, head of the tariff division",
    language="fr",
    status="pending",
    requested_at=ASKED,
)
LINE = RequestLine(
    request_id=7,
    meeting=MEETING,
    user_id="U0NEW0001",
    user_team="T0OTHER01",
    name="Awa Diop",
    about="Senegal Customs, head of the tariff division",
    language="fr",
    delegation="Senegal",
    kind="member",
    status="pending",
    requested_at=ASKED,
)
APPROVED = replace(
    LINE, status="approved", decided_by="U0SEC0001", decided_at=ASKED, attachable=2, attached=1
)
DECLINED = replace(LINE, status="declined", decided_by="U0SEC0001", decided_at=ASKED)
REFUSAL = Refusal(Permission.MANAGE, "approve_enrolment", "PTC", "member")


def _form(**changes: object) -> Form:
    form = Form("form", MEETING, languages=("en", "fr"), choices=CHOICES, request=REQUEST)
    return replace(form, **changes)  # type: ignore[arg-type]


CASES: dict[str, Callable[[], object]] = {
    "enrolment.stray_offer": lambda: enrolment.stray_offer(OFFER, 3),
    "enrolment.stray_offer/pending": lambda: enrolment.stray_offer(PENDING_OFFER, 3),
    "enrolment.stray_offer/declined": lambda: enrolment.stray_offer(
        replace(OFFER, status="declined", languages=("en",)), 3
    ),
    "enrolment.command_offer": lambda: enrolment.command_offer(OFFER),
    "enrolment.command_offer/pending": lambda: enrolment.command_offer(PENDING_OFFER),
    "enrolment.enrolment_form": lambda: enrolment.enrolment_form(_form(), "fr"),
    "enrolment.enrolment_form/new": lambda: enrolment.enrolment_form(
        _form(meeting=ONE_LANGUAGE, languages=("en",), request=None), "en"
    ),
    "enrolment.enrolment_form/declined": lambda: enrolment.enrolment_form(
        _form(request=REQUEST.model_copy(update={"status": "declined"})), "en"
    ),
    "enrolment.form_unavailable": lambda: enrolment.form_unavailable(
        Form("on_roster", MEETING, delegation="Senegal")
    ),
    "enrolment.form_unavailable/chair": lambda: enrolment.form_unavailable(
        Form("on_roster", MEETING)
    ),
    "enrolment.form_unavailable/closed": lambda: enrolment.form_unavailable(
        Form("closed", MEETING)
    ),
    "enrolment.form_unavailable/no_delegations": lambda: enrolment.form_unavailable(
        Form("no_delegations", MEETING)
    ),
    "enrolment.form_unavailable/gone": lambda: enrolment.form_unavailable(Form("gone")),
    "enrolment.submitted_view": lambda: enrolment.submitted_view(
        Submitted("requested", MEETING, request=LINE)
    ),
    "enrolment.submitted_view/updated": lambda: enrolment.submitted_view(
        Submitted("updated", MEETING, request=LINE)
    ),
    "enrolment.submitted_view/on_roster": lambda: enrolment.submitted_view(
        Submitted("on_roster", MEETING, delegation="Senegal")
    ),
    "enrolment.problem_text": lambda: enrolment.problem_text("name"),
    "enrolment.problem_text/delegation": lambda: enrolment.problem_text("delegation"),
    "enrolment.problem_text/about": lambda: enrolment.problem_text("about"),
    "enrolment.problem_text/language": lambda: enrolment.problem_text("language"),
    "enrolment.request_notice": lambda: enrolment.request_notice(LINE),
    "enrolment.request_notice/observer": lambda: enrolment.request_notice(
        replace(LINE, kind="observer", user_team=None)
    ),
    "enrolment.request_notice/approved": lambda: enrolment.request_notice(APPROVED),
    "enrolment.request_notice/approved_one": lambda: enrolment.request_notice(
        replace(APPROVED, attachable=1, attached=3)
    ),
    "enrolment.request_notice/declined": lambda: enrolment.request_notice(DECLINED),
    "enrolment.verdict_message": lambda: enrolment.verdict_message(APPROVED),
    "enrolment.verdict_message/declined": lambda: enrolment.verdict_message(DECLINED),
    "enrolment.ruling_text": lambda: enrolment.ruling_text(Ruling("already", MEETING, APPROVED)),
    "enrolment.ruling_text/already_declined": lambda: enrolment.ruling_text(
        Ruling("already", MEETING, DECLINED)
    ),
    "enrolment.ruling_text/refused": lambda: enrolment.ruling_text(
        Ruling("refused", MEETING, refusal=REFUSAL)
    ),
    "enrolment.ruling_text/retired": lambda: enrolment.ruling_text(
        Ruling("retired", MEETING, LINE)
    ),
    "enrolment.ruling_text/gone": lambda: enrolment.ruling_text(Ruling("gone")),
    "enrolment.attach_text": lambda: enrolment.attach_text(Attached("nothing", MEETING, APPROVED)),
    "enrolment.attach_text/not_enrolled": lambda: enrolment.attach_text(
        Attached("not_enrolled", MEETING, APPROVED)
    ),
    "enrolment.attach_text/refused": lambda: enrolment.attach_text(
        Attached("refused", MEETING, refusal=REFUSAL)
    ),
    "enrolment.attach_text/gone": lambda: enrolment.attach_text(Attached("gone")),
    "enrolment.join_blocks": lambda: enrolment.join_blocks(
        [
            JoinLine(MEETING),
            JoinLine(ONE_LANGUAGE, "pending", "Senegal"),
            JoinLine(ONE_LANGUAGE, "declined", "Senegal"),
        ]
    ),
    "enrolment.request_blocks": lambda: enrolment.request_blocks(
        [replace(LINE, request_id=n) for n in range(1, 8)]
    ),
}
