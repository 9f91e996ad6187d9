"""Enrolment in words: the offer to ask to join a meeting, the form, the secretariat's direct
message with Approve and Decline, the answer to the person, and the Home's sections.

Everything renders in the active language (bot/views/i18n.py).  Someone not on the roster has
no language of their own yet: the caller renders what they read in every meeting language
(`in_languages`), and the offer carries one "Ask to join" button per meeting language, each
labelled in its language, which opens the form in that language (a modal holds one language:
its title has room for 24 characters).
"""

import json
from typing import Any

from bot.domain.enrolment import (
    ABOUT_LIMIT,
    NAME_LIMIT,
    Attached,
    Form,
    JoinLine,
    Offer,
    Problem,
    RequestLine,
    Ruling,
    Submitted,
)
from bot.domain.languages import meeting_languages
from bot.views.fit import Block, SlackMessage, block_id, context, escape, fallback, plain, section
from bot.views.i18n import LANGUAGE_NAMES, _, active_language, ngettext, speaking, text_of
from bot.views.labels import AUTHOR_KIND_LABELS
from bot.views.messages import date_token
from models import Meeting

ASK_TO_JOIN = "enrolment_ask"  # + "_<language>": the form opens in that language
APPROVE = "enrolment_approve"
DECLINE = "enrolment_decline"
ATTACH = "enrolment_attach"
ENROLMENT_FORM = "enrolment_form"  # the modal's callback_id
DELEGATION_BLOCK, DELEGATION_ACTION = "enrolment_delegation", "delegation_choice"
NAME_BLOCK, NAME_ACTION = "enrolment_name", "name_input"
ABOUT_BLOCK, ABOUT_ACTION = "enrolment_about", "about_input"
LANGUAGE_BLOCK, LANGUAGE_ACTION = "enrolment_language", "language_choice"
PROBLEM_BLOCKS: dict[Problem, str] = {
    "delegation": DELEGATION_BLOCK,
    "name": NAME_BLOCK,
    "about": ABOUT_BLOCK,
    "language": LANGUAGE_BLOCK,
}
MODAL_TITLE = 24  # Slack: a modal's title, submit and close labels
OPTION_TEXT = 75  # Slack: an option's text
OPTIONS_PER_GROUP = 100  # Slack: options in one option group
HOME_REQUESTS = 5  # requests the secretariat's Home shows with their buttons


def _meeting(meeting: Meeting) -> str:
    return escape(text_of(meeting, "title"))


def _contacts(secretariat: tuple[str, ...]) -> str:
    return ", ".join(f"<@{user}>" for user in secretariat) or _("the secretariat")


# -- the offer ------------------------------------------------------------------------------------


def _ask_label(status: str | None) -> str:
    if status == "pending":
        return _("Update my request")
    if status == "declined":
        return _("Ask again")
    return _("Ask to join")


def _ask_button(meeting_id: int | None, status: str | None) -> Block:
    """The button opening the form in the active language, labelled in it."""
    language = active_language()
    return {
        "type": "button",
        "action_id": f"{ASK_TO_JOIN}_{language}",
        "text": plain(_ask_label(status), OPTION_TEXT),
        "value": json.dumps({"meeting_id": meeting_id, "language": language}),
        **({"style": "primary"} if status != "pending" else {}),
    }


def _ask_buttons(offer: Offer) -> Block:
    """One button per meeting language (one alone: in the active language)."""
    languages = offer.languages if len(offer.languages) > 1 else (active_language(),)
    buttons = []
    for language in languages:
        with speaking(language):
            buttons.append(_ask_button(offer.meeting.id, offer.status))
    block: Block = {"type": "actions", "elements": buttons}
    block["block_id"] = block_id("enrolment_ask", block)
    return block


def stray_offer(offer: Offer, item_number: int | None) -> SlackMessage:
    """Told privately to someone not on the roster who replied in an item's thread."""
    meeting = _meeting(offer.meeting)
    contacts = _contacts(offer.secretariat)
    if offer.status == "pending":
        text = _(
            "Your reply on item {number} was kept, but it is not recorded as a formal comment "
            "yet: your request to join {delegation} in {meeting} is waiting for the secretariat "
            "({contacts}). Once they approve it, they can record this reply as your comment.",
            number=item_number,
            delegation=escape(offer.delegation or ""),
            meeting=meeting,
            contacts=contacts,
        )
    else:
        text = _(
            "Your reply on item {number} was kept, but it is not recorded as a formal comment: "
            "you are not on the roster of {meeting}. If you take part for a delegation, ask to "
            "join it; the secretariat ({contacts}) approves or declines each request, and can "
            "then record this reply as your comment.",
            number=item_number,
            meeting=meeting,
            contacts=contacts,
        )
    return SlackMessage(text=fallback(text, ""), blocks=[section(text), _ask_buttons(offer)])


def command_offer(offer: Offer) -> SlackMessage:
    """Told privately to someone not on the roster who ran a command in the meeting's channel."""
    meeting = _meeting(offer.meeting)
    contacts = _contacts(offer.secretariat)
    if offer.status == "pending":
        text = _(
            "Your request to join {delegation} in {meeting} is waiting for the secretariat "
            "({contacts}).",
            delegation=escape(offer.delegation or ""),
            meeting=meeting,
            contacts=contacts,
        )
    else:
        text = _(
            "You are not on the roster of {meeting}. If you take part for a delegation, ask to "
            "join it: the secretariat ({contacts}) approves or declines each request.",
            meeting=meeting,
            contacts=contacts,
        )
    return SlackMessage(text=fallback(text, ""), blocks=[section(text), _ask_buttons(offer)])


# -- the form -------------------------------------------------------------------------------------


def _option(text: str, value: str) -> Block:
    return {"text": plain(text, OPTION_TEXT), "value": value}


def enrolment_form(form: Form, language: str) -> dict[str, Any]:
    """The modal to ask to join: the delegation (members and observers apart), who they are,
    and the language they read when the meeting has several.  `language` is the one it is
    rendered in, preselected."""
    assert form.meeting is not None
    meeting = form.meeting
    request = form.request
    blocks: list[Block] = [
        section(
            _(
                "*{meeting}*\nSay who you are and which delegation you take part for. The "
                "secretariat approves or declines your request; Docket tells you which by "
                "direct message.",
                meeting=_meeting(meeting),
            )
        )
    ]
    if request is not None and request.status == "pending":
        blocks.append(
            context(
                _(
                    "You have asked already ({date}): sending this form again updates your "
                    "request.",
                    date=date_token(request.requested_at, meeting.timezone),
                )
            )
        )
    elif request is not None:
        blocks.append(
            context(_("The secretariat declined your earlier request: sending this asks again."))
        )
    groups = []
    initial = None
    for kind in ("member", "observer"):
        options = [
            (_option(choice.name, str(choice.delegation_id)), choice.delegation_id)
            for choice in form.choices
            if choice.kind == kind
        ]
        for start in range(0, len(options), OPTIONS_PER_GROUP):
            chunk = options[start : start + OPTIONS_PER_GROUP]
            groups.append(
                {
                    "label": plain(_(AUTHOR_KIND_LABELS[kind]), OPTION_TEXT),
                    "options": [option for option, _id in chunk],
                }
            )
            for option, delegation_id in chunk:
                if request is not None and request.delegation_id == delegation_id:
                    initial = option
    select: Block = {
        "type": "static_select",
        "action_id": DELEGATION_ACTION,
        "placeholder": plain(_("Choose your delegation"), OPTION_TEXT),
        "option_groups": groups,
    }
    if initial is not None:
        select["initial_option"] = initial
    name: Block = {"type": "plain_text_input", "action_id": NAME_ACTION, "max_length": NAME_LIMIT}
    about: Block = {
        "type": "plain_text_input",
        "action_id": ABOUT_ACTION,
        "max_length": ABOUT_LIMIT,
        "placeholder": plain(
            _("For example: Customs of Senegal, head of the tariff division"), OPTION_TEXT
        ),
    }
    if request is not None:
        name["initial_value"] = request.name[:NAME_LIMIT]
        about["initial_value"] = request.about[:ABOUT_LIMIT]
    blocks += [
        {
            "type": "input",
            "block_id": DELEGATION_BLOCK,
            "label": plain(_("Delegation")),
            "element": select,
        },
        {"type": "input", "block_id": NAME_BLOCK, "label": plain(_("Your name")), "element": name},
        {
            "type": "input",
            "block_id": ABOUT_BLOCK,
            "label": plain(_("Your organisation and function")),
            "element": about,
        },
    ]
    if len(form.languages) > 1:
        choices = [_option(LANGUAGE_NAMES.get(code, code), code) for code in form.languages]
        chosen = request.language if request is not None and request.language else language
        radio: Block = {"type": "radio_buttons", "action_id": LANGUAGE_ACTION, "options": choices}
        radio["initial_option"] = next(
            (choice for choice in choices if choice["value"] == chosen), choices[0]
        )
        blocks.append(
            {
                "type": "input",
                "block_id": LANGUAGE_BLOCK,
                "label": plain(_("The language you read Docket in")),
                "element": radio,
            }
        )
    return {
        "type": "modal",
        "callback_id": ENROLMENT_FORM,
        "private_metadata": json.dumps({"meeting_id": meeting.id, "language": language}),
        "title": plain(_("Ask to join"), MODAL_TITLE),
        "submit": plain(_("Send"), MODAL_TITLE),
        "close": plain(_("Cancel"), MODAL_TITLE),
        "blocks": blocks,
    }


def _unavailable_text(kind: str, meeting: Meeting | None, delegation: str | None) -> str:
    title = _meeting(meeting) if meeting is not None else ""
    if kind == "on_roster" and delegation:
        return _(
            "You are already on the roster of {meeting}, as a delegate of {delegation}: reply "
            "in an item's thread to comment for your delegation.",
            meeting=title,
            delegation=escape(delegation),
        )
    if kind == "on_roster":
        return _("You are already on the roster of {meeting}.", meeting=title)
    if kind == "closed":
        return _("The session of {meeting} is closed: it takes no new participants.", meeting=title)
    if kind == "no_delegations":
        return _("{meeting} has no delegation to join yet: ask its secretariat.", meeting=title)
    return _("This is out of date: the meeting it was about is no longer there.")


def _message_modal(text: str) -> dict[str, Any]:
    return {
        "type": "modal",
        "title": plain(_("Ask to join"), MODAL_TITLE),
        "close": plain(_("Close"), MODAL_TITLE),
        "blocks": [section(text)],
    }


def form_unavailable(form: Form) -> dict[str, Any]:
    """The modal in place of the form: on the roster already, session closed, and so on."""
    return _message_modal(_unavailable_text(form.kind, form.meeting, form.delegation))


def submitted_view(submitted: Submitted) -> dict[str, Any]:
    """What the modal shows once the request is sent (it replaces the form)."""
    request = submitted.request
    if request is None or submitted.kind in ("on_roster", "closed", "gone", "invalid"):
        kind = "gone" if submitted.kind == "invalid" else submitted.kind
        return _message_modal(_unavailable_text(kind, submitted.meeting, submitted.delegation))
    values = {"delegation": escape(request.delegation), "meeting": _meeting(request.meeting)}
    if submitted.kind == "updated":
        text = _(
            ":white_check_mark: Your request to join *{delegation}* in {meeting} is updated. It "
            "is still waiting for the secretariat; Docket tells you by direct message when they "
            "have decided.",
            **values,
        )
    else:
        text = _(
            ":white_check_mark: Your request to join *{delegation}* in {meeting} was sent to the "
            "secretariat. Docket tells you by direct message when they have decided.",
            **values,
        )
    return _message_modal(text)


def problem_text(problem: Problem) -> str:
    """Under the form's field it cannot take."""
    if problem == "delegation":
        return _("Choose one of the delegations listed.")
    if problem == "name":
        return _("Write your name (at most {limit} characters).", limit=NAME_LIMIT)
    if problem == "about":
        return _(
            "Write your organisation and your function (at most {limit} characters).",
            limit=ABOUT_LIMIT,
        )
    return _("Choose one of the languages listed.")


# -- the secretariat's direct message -------------------------------------------------------------


def _about_lines(line: RequestLine) -> str:
    if line.kind == "observer":
        asks = _(
            "<@{user}> asks to join *{delegation}*, an observer delegation.",
            user=line.user_id,
            delegation=escape(line.delegation),
        )
    else:
        asks = _(
            "<@{user}> asks to join *{delegation}*, a member delegation.",
            user=line.user_id,
            delegation=escape(line.delegation),
        )
    lines = [
        asks,
        _("*Name:* {name}", name=escape(line.name)),
        _("*Organisation and function:* {about}", about=escape(line.about)),
    ]
    if len(meeting_languages(line.meeting)) > 1 and line.language:
        language = LANGUAGE_NAMES.get(line.language, line.language)
        lines.append(_("*Reads Docket in:* {language}", language=language))
    if line.user_team:
        lines.append(
            _(
                "*Workspace:* another organisation's (`{team}`), through Slack Connect",
                team=escape(line.user_team),
            )
        )
    return "\n".join(lines)


def _decision_buttons(line: RequestLine) -> Block:
    value = str(line.request_id)
    name = line.name[:100]
    block: Block = {
        "type": "actions",
        "elements": [
            {
                "type": "button",
                "action_id": APPROVE,
                "text": plain(_("Approve"), OPTION_TEXT),
                "value": value,
                "style": "primary",
            },
            {
                "type": "button",
                "action_id": DECLINE,
                "text": plain(_("Decline"), OPTION_TEXT),
                "value": value,
                "style": "danger",
                "confirm": {
                    "title": plain(_("Decline this request?"), 100),
                    "text": plain(
                        _("{name} is told that the secretariat declined it.", name=name), 300
                    ),
                    "confirm": plain(_("Decline"), 30),
                    "deny": plain(_("Keep it"), 30),
                },
            },
        ],
    }
    block["block_id"] = block_id(f"enrolment_{line.request_id}", block)
    return block


def request_notice(line: RequestLine) -> SlackMessage:
    """The direct message to each secretariat member: the request, and where it stands."""
    meeting = line.meeting
    head = _(":raising_hand: *Request to join {meeting}*", meeting=_meeting(meeting))
    asked = _("Asked: {date}", date=date_token(line.requested_at, meeting.timezone))
    blocks: list[Block] = [section(f"{head}\n{_about_lines(line)}"), context(asked)]
    by, when = line.decided_by or "", line.decided_at or line.requested_at
    if line.status == "pending":
        blocks.append(_decision_buttons(line))
        text = _(
            "<@{user}> asks to join {delegation} in {meeting}.",
            user=line.user_id,
            delegation=escape(line.delegation),
            meeting=_meeting(meeting),
        )
        return SlackMessage(text=fallback(text, ""), blocks=blocks)
    if line.status == "declined":
        text = _(
            ":no_entry_sign: Declined by <@{by}> ({date}).",
            by=by,
            date=date_token(when, meeting.timezone),
        )
        blocks.append(section(text))
        return SlackMessage(text=fallback(text, ""), blocks=blocks)
    text = _(
        ":white_check_mark: Approved by <@{by}> ({date}): <@{user}> is on the roster as a "
        "delegate of {delegation}.",
        by=by,
        date=date_token(when, meeting.timezone),
        user=line.user_id,
        delegation=escape(line.delegation),
    )
    blocks.append(section(text))
    if line.attached:
        blocks.append(
            context(
                ngettext(
                    ":paperclip: {count} reply kept aside is now a formal comment.",
                    ":paperclip: {count} replies kept aside are now formal comments.",
                    line.attached,
                )
            )
        )
    if line.attachable:
        blocks.append(
            section(
                ngettext(
                    "<@{user}> wrote {count} reply before joining, kept aside on an item still "
                    "open. Attach it to record it as a formal comment of {delegation}, with its "
                    "original time.",
                    "<@{user}> wrote {count} replies before joining, kept aside on items still "
                    "open. Attach them to record them as formal comments of {delegation}, with "
                    "their original times.",
                    line.attachable,
                    user=line.user_id,
                    delegation=escape(line.delegation),
                )
            )
        )
        button: Block = {
            "type": "actions",
            "elements": [
                {
                    "type": "button",
                    "action_id": ATTACH,
                    "text": plain(
                        ngettext(
                            "Attach {count} reply kept aside",
                            "Attach {count} replies kept aside",
                            line.attachable,
                        ),
                        OPTION_TEXT,
                    ),
                    "value": str(line.request_id),
                    "style": "primary",
                }
            ],
        }
        button["block_id"] = block_id(f"enrolment_attach_{line.request_id}", button)
        blocks.append(button)
    return SlackMessage(text=fallback(text, ""), blocks=blocks)


# -- the person's answer, and the presser's -------------------------------------------------------


def verdict_message(line: RequestLine) -> SlackMessage:
    """The direct message telling the person what the secretariat decided."""
    values = {"meeting": _meeting(line.meeting), "delegation": escape(line.delegation)}
    if line.status == "approved":
        text = _(
            ":tada: The secretariat approved your request: you are on the roster of *{meeting}* "
            "as a delegate of *{delegation}*. Reply in an item's thread to comment for your "
            "delegation; each reply is recorded as a formal comment.",
            **values,
        )
    else:
        text = _(
            "The secretariat of *{meeting}* declined your request to join *{delegation}*. If "
            "you think this is a mistake, write to <@{by}>.",
            by=line.decided_by or "",
            **values,
        )
    return SlackMessage(text=fallback(text, ""), blocks=[section(text)])


def ruling_text(ruling: Ruling) -> str | None:
    """Told to whoever pressed Approve or Decline, when their press changed nothing (None:
    it did, and the updated message says so)."""
    line = ruling.request
    if ruling.kind == "refused" and ruling.refusal is not None:
        return _(
            "Only the secretariat of {meeting} can decide requests to join it.",
            meeting=escape(ruling.refusal.meeting_title),
        )
    if ruling.kind == "already" and line is not None:
        if line.status == "approved":
            return _(
                "This request was already approved by <@{by}>: nothing changed.",
                by=line.decided_by or "",
            )
        return _(
            "This request was already declined by <@{by}>: nothing changed.",
            by=line.decided_by or "",
        )
    if ruling.kind == "retired" and line is not None:
        return _(
            "The delegation {delegation} is no longer part of {meeting}, so the request stays "
            "pending: decline it, or ask <@{user}> to ask again for another delegation.",
            delegation=escape(line.delegation),
            meeting=_meeting(line.meeting),
            user=line.user_id,
        )
    if ruling.kind in ("approved", "declined"):
        return None
    return _("This request is no longer there: nothing changed.")


def attach_text(attached: Attached) -> str | None:
    """Told to whoever pressed Attach, when it attached nothing (None: it did)."""
    line = attached.request
    if attached.kind == "refused" and attached.refusal is not None:
        return _(
            "Only the secretariat of {meeting} can attach replies kept aside.",
            meeting=escape(attached.refusal.meeting_title),
        )
    if attached.kind == "nothing" and line is not None:
        return _(
            "Nothing to attach: the replies kept aside from <@{user}> on items still open are "
            "already formal comments.",
            user=line.user_id,
        )
    if attached.kind == "not_enrolled" and line is not None:
        return _(
            "<@{user}> is not on the roster of {meeting}, so their replies kept aside cannot be "
            "attached.",
            user=line.user_id,
            meeting=_meeting(line.meeting),
        )
    if attached.kind == "attached":
        return None
    return _("This request is no longer there: nothing changed.")


# -- the Home -------------------------------------------------------------------------------------


def join_blocks(lines: list[JoinLine]) -> list[Block]:
    """On the Home of someone on no roster: the meetings they may ask to join."""
    if not lines:
        return []
    blocks: list[Block] = [
        section(
            _(
                "*Ask to join a meeting*\nIf you take part in one of these meetings for a "
                "delegation, ask to join it: its secretariat approves or declines each request."
            )
        )
    ]
    for line in lines:
        text = f"*{_meeting(line.meeting)}*"
        if line.status == "pending":
            status = _(
                "Your request to join {delegation} is waiting for the secretariat.",
                delegation=escape(line.delegation or ""),
            )
            text = f"{text}\n{status}"
        elif line.status == "declined":
            status = _(
                "The secretariat declined your request to join {delegation}.",
                delegation=escape(line.delegation or ""),
            )
            text = f"{text}\n{status}"
        block = section(text)
        block["accessory"] = _ask_button(line.meeting.id, line.status)
        blocks.append(block)
    return blocks


def request_blocks(lines: list[RequestLine]) -> list[Block]:
    """On the secretariat's Home: the meeting's pending requests to join, with their buttons."""
    if not lines:
        return []
    blocks: list[Block] = [
        section(_("*Requests to join* ({count})", count=len(lines))),
    ]
    for line in lines[:HOME_REQUESTS]:
        asked = _("Asked: {date}", date=date_token(line.requested_at, line.meeting.timezone))
        blocks.append(section(f"{_about_lines(line)}\n{asked}"))
        blocks.append(_decision_buttons(line))
    if len(lines) > HOME_REQUESTS:
        more = len(lines) - HOME_REQUESTS
        blocks.append(
            context(
                ngettext(
                    "… and {count} more request, in your direct messages.",
                    "… and {count} more requests, in your direct messages.",
                    more,
                )
            )
        )
    return blocks
