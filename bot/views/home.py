"""The App Home as Block Kit: a `bot.domain.home.Home` in, a `{"type": "home", ...}` view out.
No I/O.

One header per meeting, then a section per role the viewer holds there.  Deadlines use Slack's
date token, so each reader sees their own local time.  Slack refuses a Home of more than 100
blocks or a section text over 3000 characters: lists are packed several lines to a section,
long lists end with "… and N more", and when many meetings would still overflow, each meeting
gets a fair share of the blocks.
"""

from typing import Any

from bot.domain.home import (
    ChairSection,
    ConcernLine,
    DelegateSection,
    Figures,
    GroupLine,
    Home,
    ItemLine,
    MeetingHome,
    SilenceLine,
)
from bot.views.enrolment import join_blocks, request_blocks
from bot.views.fit import context, section, split_mrkdwn
from bot.views.i18n import N_, _, ngettext, translated
from bot.views.messages import date_token, document_link, escape

MAX_BLOCKS = 100  # Slack's limit for a Home view
SECTION_LIMIT = 2900  # Slack refuses a section text over 3000 characters
LINES_PER_LIST = 40  # then "… and N more": the channel holds the rest
TITLE_LIMIT = 120
QUOTE_LIMIT = 300

Block = dict[str, Any]

ROLE_NAMES = {"member": N_("member"), "observer": N_("observer")}


def home_view(home: Home) -> dict[str, Any]:
    if not home.meetings:
        blocks = [*no_role_blocks(), *join_blocks(home.joinable)]  # and the offer to ask to join
        return {"type": "home", "callback_id": "docket_home", "blocks": blocks}
    groups = [meeting_blocks(meeting, home) for meeting in home.meetings]
    return {"type": "home", "callback_id": "docket_home", "blocks": fit(groups, MAX_BLOCKS)}


def no_role_blocks() -> list[Block]:
    return [
        _header("Docket"),
        section(
            _(
                "Docket runs written (document-based) meetings in Slack: it posts each agenda "
                "item to the meeting's channel, records every reply in an item's thread as a "
                "formal comment of the writer's delegation, keeps the deadlines, and gives the "
                "chair and the secretariat what they need to decide and to write the record."
            )
        ),
        section(
            _(
                ":information_source: *You are not on the roster of any meeting.* If you should "
                "take part for your delegation, ask the meeting's secretariat to add you; this "
                "tab then shows what concerns you."
            )
        ),
    ]


def meeting_blocks(meeting: MeetingHome, home: Home) -> list[Block]:
    roles = []
    if meeting.delegate is not None:
        kind = meeting.delegate.kind
        roles.append(
            _(
                "delegate of {delegation} ({kind})",
                delegation=escape(meeting.delegate.delegation),
                kind=_(ROLE_NAMES[kind]) if kind in ROLE_NAMES else kind,
            )
        )
    if meeting.chair is not None:
        roles.append(_("chair"))
    if meeting.secretariat is not None:
        roles.append(_("secretariat"))
    who = _both(roles)
    if meeting.viewer_name:  # the person's name, with the delegation
        who = f"{escape(meeting.viewer_name)}, {who}"
    values = {
        "channel": f"<#{meeting.channel}>",
        "who": who,
        "moment": date_token(home.now, meeting.timezone),
    }
    about = (
        _("{channel} · you are {who} · :checkered_flag: session closed · as of {moment}", **values)
        if meeting.closed
        else _("{channel} · you are {who} · as of {moment}", **values)
    )
    title = translated(meeting.title, meeting.translations, "title")
    blocks: list[Block] = [_header(title), context(about)]
    if meeting.delegate is not None:
        blocks += delegate_blocks(meeting.delegate, meeting)
    if meeting.chair is not None:
        blocks += chair_blocks(meeting.chair, meeting)
    if meeting.secretariat is not None:
        blocks += secretariat_blocks(meeting.secretariat.figures, meeting)
        blocks += request_blocks(meeting.secretariat.requests)  # requests to join, if any
    if meeting.groups:
        blocks += _sections(_("*Drafting groups*"), [_group_line(g) for g in meeting.groups])
    blocks.append({"type": "divider"})
    return blocks


def _both(roles: list[str]) -> str:
    """ "delegate of X (member) and chair": the roles, joined as the language joins them."""
    joined = roles[0] if roles else ""
    for role in roles[1:]:
        joined = _("{first} and {second}", first=joined, second=role)
    return joined


def _group_line(group: GroupLine) -> str:
    values = {"channel": f"<#{group.channel}>", "name": escape(group.name)}
    if group.item is not None:
        return "• " + _("{channel} {name} · on item {number}", number=group.item, **values)
    topic = escape(group.topic or group.name)
    return "• " + _("{channel} {name} · on {topic}", topic=topic, **values)


# -- a delegate -----------------------------------------------------------------------------------


def delegate_blocks(section: DelegateSection, meeting: MeetingHome) -> list[Block]:
    items = section.open_items
    done = sum(item.commented for item in items)
    if meeting.closed:
        heading = _("*Open for comments*\nThe session is closed: no item is open for comments.")
        lines: list[str] = []
    elif not items:
        heading = _("*Open for comments*\nNo item is open for comments right now.")
        lines = []
    else:
        heading = _(
            "*Open for comments* ({count}): {delegation} has commented on {done} of {count}",
            count=len(items),
            delegation=escape(section.delegation),
            done=done,
        )
        lines = [_delegate_line(item, meeting.timezone) for item in items]
    blocks = _sections(heading, lines)
    if section.concerns:
        concern_lines = [_concern_line(c, meeting.timezone) for c in section.concerns]
        blocks += _sections(_("*Final concerns open* on revised documents"), concern_lines)
    if section.silences:
        member = section.kind == "member"
        silence_lines = [_silence_line(s, meeting.timezone, hint=member) for s in section.silences]
        blocks += _sections(_("*Silence procedures running*"), silence_lines)
    if items or section.concerns:
        blocks.append(
            context(
                _(
                    "Reply in an item's thread to comment (or to raise a final concern) for your "
                    "delegation; one comment from any delegate counts. A deleted (withdrawn) "
                    "comment does not."
                )
            )
        )
    return blocks


def _concern_line(concern: ConcernLine, timezone: str) -> str:
    line = _(
        "*Item {number}* {title} · {document} · final concerns by {deadline}",
        number=concern.number,
        title=escape(translated(concern.title, concern.translations, "title")),
        document=document_link(concern.code, concern.url),
        deadline=date_token(concern.deadline_at, timezone),
    )
    return f"• {line}{_link(concern.link)}"


def _delegate_line(item: ItemLine, timezone: str) -> str:
    state = _(":white_check_mark: commented") if item.commented else _(":hourglass: not yet")
    parts = [_item_label(item)]
    if item.deadline_at:
        parts.append(_("comments by {deadline}", deadline=date_token(item.deadline_at, timezone)))
    parts.append(state)
    return "• " + " · ".join(parts) + _link(item.link)


# -- the chair ------------------------------------------------------------------------------------


def chair_blocks(section: ChairSection, meeting: MeetingHome) -> list[Block]:
    if section.awaiting:
        heading = _("*Awaiting your decision* ({count})", count=len(section.awaiting))
        lines = [_chair_line(item, meeting.timezone) for item in section.awaiting]
    else:
        heading = _("*Awaiting your decision*\nNo posted item is awaiting a decision.")
        lines = []
    blocks = _sections(heading, lines)
    if section.silences:
        silence_lines = [_silence_line(s, meeting.timezone, hint=False) for s in section.silences]
        blocks += _sections(_("*Silence procedures*"), silence_lines)
    if section.awaiting:
        blocks.append(
            context(
                _(
                    "Decide with `/approve N [text]`, or start a silence procedure with "
                    "`/approve N silence DATETIME`; `/approve help` shows every form."
                )
            )
        )
    return blocks


def _chair_line(item: ItemLine, timezone: str) -> str:
    parts = [f"• {_item_label(item)}"]
    if item.deadline_at is not None:
        when = date_token(item.deadline_at, timezone)
        if item.comments_open:
            parts.append(_("comments open until {deadline}", deadline=when))
        else:
            parts.append(_("comments closed {deadline}", deadline=when))
    if item.silence == "running" and item.silence_until is not None:
        until = date_token(item.silence_until, timezone)
        parts.append(_(":shushing_face: in silence until {deadline}", deadline=until))
    elif item.silence == "broken":
        parts.append(_(":no_entry: silence broken"))
    return " · ".join(parts) + _link(item.link)


def _silence_line(silence: SilenceLine, timezone: str, *, hint: bool) -> str:
    when = date_token(silence.deadline_at, timezone)
    label = _(
        "*Item {number}: {title}*",
        number=silence.number,
        title=escape(_clip(translated(silence.title, silence.translations, "title"), TITLE_LIMIT)),
    )
    if silence.status == "broken":
        line = "• :no_entry: " + _(
            "{item}: silence broken by an objection; awaiting the chair", item=label
        )
    else:
        line = "• :shushing_face: " + _(
            "{item}: adopted unless a member delegation objects by {deadline}",
            item=label,
            deadline=when,
        )
        if hint:
            line += " " + _("(`/object {number} reason`)", number=silence.number)
    quote = escape(_clip(" ".join(silence.text.split()), QUOTE_LIMIT))
    return f"{line}{_link(silence.link)}\n   > {quote}"


# -- the secretariat ------------------------------------------------------------------------------


def secretariat_blocks(figures: Figures, meeting: MeetingHome) -> list[Block]:
    kinds = figures.by_kind
    text = "\n".join(
        [
            _("*Participation so far*"),
            _(
                "*Participants:* {registered} registered, {took_part} took part",
                registered=figures.registered,
                took_part=figures.took_part,
            ),
            _(
                "*Comments:* {comments} (members {members}, observers {observers}, chair "
                "{chair}, secretariat {secretariat}); {withdrawn} withdrawn, counted apart; "
                "{late} late",
                comments=figures.comments,
                members=kinds.get("member", 0),
                observers=kinds.get("observer", 0),
                chair=kinds.get("chair", 0),
                secretariat=kinds.get("secretariat", 0),
                withdrawn=figures.withdrawn,
                late=figures.late,
            ),
            _(
                "*Delegations taking part:* {members} of {member_delegations} members, "
                "{observers} of {observer_delegations} observers",
                members=figures.members_taking_part,
                member_delegations=figures.member_delegations,
                observers=figures.observers_taking_part,
                observer_delegations=figures.observer_delegations,
            ),
        ]
    )
    value = str(meeting.meeting_id)
    return [
        section(text),
        {
            "type": "actions",
            "block_id": f"home_secretariat_{meeting.meeting_id}",
            "elements": [
                _button(_("Send me the digest"), "home_digest", value, primary=True),
                _button(_("Send me the record"), "home_record", value),
            ],
        },
        context(_("The digest and the summary record (HTML and XLSX) arrive in your messages.")),
    ]


def _button(text: str, action_id: str, value: str, *, primary: bool = False) -> Block:
    button: Block = {
        "type": "button",
        "action_id": action_id,
        "text": {"type": "plain_text", "text": text},
        "value": value,
    }
    if primary:
        button["style"] = "primary"
    return button


# -- fitting Slack's limits -----------------------------------------------------------------------


def fit(groups: list[list[Block]], limit: int) -> list[Block]:
    """All the groups if they fit; else each a fair share, clipped with a note saying so.

    Shares are filled smallest first, so what a small meeting leaves goes to the larger ones.
    """
    if sum(len(group) for group in groups) <= limit:
        return [block for group in groups for block in group]
    budget = limit
    shown = groups
    if len(groups) * 3 > limit:  # too many meetings to show each usefully
        shown = groups[: (limit - 1) // 3]
        budget = limit - 1
    shares = [0] * len(shown)
    left = budget
    for position, index in enumerate(sorted(range(len(shown)), key=lambda i: len(shown[i]))):
        share = min(len(shown[index]), left // (len(shown) - position))
        shares[index] = share
        left -= share
    blocks: list[Block] = []
    for group, share in zip(shown, shares, strict=True):
        if len(group) <= share:
            blocks += group
        else:
            blocks += [*group[: share - 1], context(_(_MORE_NOTE))]
    if len(shown) < len(groups):
        blocks.append(
            context(
                ngettext(
                    "{count} more meeting(s) not shown: the Home is full.",
                    "{count} more meeting(s) not shown: the Home is full.",
                    len(groups) - len(shown),
                )
            )
        )
    return blocks


_MORE_NOTE = N_(":scissors: More than this tab can show; the meeting's channel holds every item.")


def _sections(heading: str, lines: list[str]) -> list[Block]:
    """The heading and lines packed into as few sections as Slack's text limit allows."""
    if len(lines) > LINES_PER_LIST:
        more = len(lines) - LINES_PER_LIST
        lines = [
            *lines[:LINES_PER_LIST],
            _("… and {count} more: see the meeting's channel.", count=more),
        ]
    blocks: list[Block] = []
    text = heading
    # A line longer than a section (a title of thousands of characters) is split, not cut.
    pieces = [piece for line in lines for piece in split_mrkdwn(line, SECTION_LIMIT)]
    for line in pieces:
        if len(text) + 1 + len(line) > SECTION_LIMIT:
            blocks.append(section(text))
            text = line
        else:
            text = f"{text}\n{line}"
    blocks.append(section(text))
    return blocks


def _item_label(item: ItemLine) -> str:
    title = escape(_clip(translated(item.title, item.translations, "title"), TITLE_LIMIT))
    return _("*Item {number}: {title}*", number=item.number, title=title)


def _link(link: str | None) -> str:
    if not link:
        return ""
    label = _("open the thread")
    return f" · <{link}|{label}>"


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _header(text: str) -> Block:
    return {"type": "header", "text": {"type": "plain_text", "text": _clip(text, 150)}}
