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
from bot.views.fit import context, section, split_mrkdwn
from bot.views.messages import date_token, document_link, escape

MAX_BLOCKS = 100  # Slack's limit for a Home view
SECTION_LIMIT = 2900  # Slack refuses a section text over 3000 characters
LINES_PER_LIST = 40  # then "… and N more": the channel holds the rest
TITLE_LIMIT = 120
QUOTE_LIMIT = 300

Block = dict[str, Any]

ROLE_NAMES = {"member": "member", "observer": "observer"}


def home_view(home: Home) -> dict[str, Any]:
    if not home.meetings:
        return {"type": "home", "callback_id": "docket_home", "blocks": no_role_blocks()}
    groups = [meeting_blocks(meeting, home) for meeting in home.meetings]
    return {"type": "home", "callback_id": "docket_home", "blocks": fit(groups, MAX_BLOCKS)}


def no_role_blocks() -> list[Block]:
    return [
        _header("Docket"),
        section(
            "Docket runs written (document-based) meetings in Slack: it posts each agenda item "
            "to the meeting's channel, records every reply in an item's thread as a formal "
            "comment of the writer's delegation, keeps the deadlines, and gives the chair and "
            "the secretariat what they need to decide and to write the record."
        ),
        section(
            ":information_source: *You are not on the roster of any meeting.* If you should "
            "take part for your delegation, ask the meeting's secretariat to add you; this tab "
            "then shows what concerns you."
        ),
    ]


def meeting_blocks(meeting: MeetingHome, home: Home) -> list[Block]:
    roles = []
    if meeting.delegate is not None:
        roles.append(
            f"delegate of {escape(meeting.delegate.delegation)} "
            f"({ROLE_NAMES.get(meeting.delegate.kind, meeting.delegate.kind)})"
        )
    if meeting.chair is not None:
        roles.append("chair")
    if meeting.secretariat is not None:
        roles.append("secretariat")
    status = " · :checkered_flag: session closed" if meeting.closed else ""
    who = f"{escape(meeting.viewer_name)}, " if meeting.viewer_name else ""  # with the delegation
    blocks: list[Block] = [
        _header(meeting.title),
        context(
            f"<#{meeting.channel}> · you are {who}{' and '.join(roles)}{status} · "
            f"as of {date_token(home.now, meeting.timezone)}"
        ),
    ]
    if meeting.delegate is not None:
        blocks += delegate_blocks(meeting.delegate, meeting)
    if meeting.chair is not None:
        blocks += chair_blocks(meeting.chair, meeting)
    if meeting.secretariat is not None:
        blocks += secretariat_blocks(meeting.secretariat.figures, meeting)
    if meeting.groups:
        blocks += _sections("*Drafting groups*", [_group_line(g) for g in meeting.groups])
    blocks.append({"type": "divider"})
    return blocks


def _group_line(group: GroupLine) -> str:
    about = f"item {group.item}" if group.item is not None else escape(group.topic or group.name)
    return f"• <#{group.channel}> {escape(group.name)} · on {about}"


# -- a delegate -----------------------------------------------------------------------------------


def delegate_blocks(section: DelegateSection, meeting: MeetingHome) -> list[Block]:
    items = section.open_items
    done = sum(item.commented for item in items)
    if meeting.closed:
        heading = "*Open for comments*\nThe session is closed: no item is open for comments."
        lines: list[str] = []
    elif not items:
        heading = "*Open for comments*\nNo item is open for comments right now."
        lines = []
    else:
        heading = (
            f"*Open for comments* ({len(items)}): {escape(section.delegation)} has commented on "
            f"{done} of {len(items)}"
        )
        lines = [_delegate_line(item, meeting.timezone) for item in items]
    blocks = _sections(heading, lines)
    if section.concerns:
        concern_lines = [_concern_line(c, meeting.timezone) for c in section.concerns]
        blocks += _sections("*Final concerns open* on revised documents", concern_lines)
    if section.silences:
        member = section.kind == "member"
        silence_lines = [_silence_line(s, meeting.timezone, hint=member) for s in section.silences]
        blocks += _sections("*Silence procedures running*", silence_lines)
    if items or section.concerns:
        blocks.append(
            context(
                "Reply in an item's thread to comment (or to raise a final concern) for your "
                "delegation; one comment from any delegate counts. A deleted (withdrawn) comment "
                "does not."
            )
        )
    return blocks


def _concern_line(concern: ConcernLine, timezone: str) -> str:
    document = document_link(concern.code, concern.url)
    return (
        f"• *Item {concern.number}* {escape(concern.title)} · {document} · final concerns by "
        f"{date_token(concern.deadline_at, timezone)}{_link(concern.link)}"
    )


def _delegate_line(item: ItemLine, timezone: str) -> str:
    state = ":white_check_mark: commented" if item.commented else ":hourglass: not yet"
    deadline = (
        f" · comments by {date_token(item.deadline_at, timezone)}" if item.deadline_at else ""
    )
    return f"• {_item_label(item)}{deadline} · {state}{_link(item.link)}"


# -- the chair ------------------------------------------------------------------------------------


def chair_blocks(section: ChairSection, meeting: MeetingHome) -> list[Block]:
    if section.awaiting:
        heading = f"*Awaiting your decision* ({len(section.awaiting)})"
        lines = [_chair_line(item, meeting.timezone) for item in section.awaiting]
    else:
        heading = "*Awaiting your decision*\nNo posted item is awaiting a decision."
        lines = []
    blocks = _sections(heading, lines)
    if section.silences:
        silence_lines = [_silence_line(s, meeting.timezone, hint=False) for s in section.silences]
        blocks += _sections("*Silence procedures*", silence_lines)
    if section.awaiting:
        blocks.append(
            context(
                "Decide with `/approve N [text]`, or start a silence procedure with "
                "`/approve N silence DATETIME`; `/approve help` shows every form."
            )
        )
    return blocks


def _chair_line(item: ItemLine, timezone: str) -> str:
    parts = [f"• {_item_label(item)}"]
    if item.deadline_at is not None:
        when = date_token(item.deadline_at, timezone)
        state = "comments open until" if item.comments_open else "comments closed"
        parts.append(f"{state} {when}")
    if item.silence == "running" and item.silence_until is not None:
        parts.append(f":shushing_face: in silence until {date_token(item.silence_until, timezone)}")
    elif item.silence == "broken":
        parts.append(":no_entry: silence broken")
    return " · ".join(parts) + _link(item.link)


def _silence_line(silence: SilenceLine, timezone: str, *, hint: bool) -> str:
    when = date_token(silence.deadline_at, timezone)
    label = f"*Item {silence.number}: {escape(_clip(silence.title, TITLE_LIMIT))}*"
    if silence.status == "broken":
        line = f"• :no_entry: {label}: silence broken by an objection; awaiting the chair"
    else:
        line = f"• :shushing_face: {label}: adopted unless a member delegation objects by {when}"
        if hint:
            line += f" (`/object {silence.number} reason`)"
    quote = escape(_clip(" ".join(silence.text.split()), QUOTE_LIMIT))
    return f"{line}{_link(silence.link)}\n   > {quote}"


# -- the secretariat ------------------------------------------------------------------------------


def secretariat_blocks(figures: Figures, meeting: MeetingHome) -> list[Block]:
    kinds = figures.by_kind
    text = "\n".join(
        [
            "*Participation so far*",
            f"*Participants:* {figures.registered} registered, {figures.took_part} took part",
            f"*Comments:* {figures.comments} (members {kinds.get('member', 0)}, observers "
            f"{kinds.get('observer', 0)}, chair {kinds.get('chair', 0)}, secretariat "
            f"{kinds.get('secretariat', 0)}); {figures.withdrawn} withdrawn, counted apart; "
            f"{figures.late} late",
            f"*Delegations taking part:* {figures.members_taking_part} of "
            f"{figures.member_delegations} members, {figures.observers_taking_part} of "
            f"{figures.observer_delegations} observers",
        ]
    )
    value = str(meeting.meeting_id)
    return [
        section(text),
        {
            "type": "actions",
            "block_id": f"home_secretariat_{meeting.meeting_id}",
            "elements": [
                _button("Send me the digest", "home_digest", value, primary=True),
                _button("Send me the record", "home_record", value),
            ],
        },
        context("The digest and the summary record (HTML and XLSX) arrive in your messages."),
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
            blocks += [*group[: share - 1], context(_MORE_NOTE)]
    if len(shown) < len(groups):
        blocks.append(
            context(f"{len(groups) - len(shown)} more meeting(s) not shown: the Home is full.")
        )
    return blocks


_MORE_NOTE = ":scissors: More than this tab can show; the meeting's channel holds every item."


def _sections(heading: str, lines: list[str]) -> list[Block]:
    """The heading and lines packed into as few sections as Slack's text limit allows."""
    if len(lines) > LINES_PER_LIST:
        more = len(lines) - LINES_PER_LIST
        lines = [*lines[:LINES_PER_LIST], f"… and {more} more: see the meeting's channel."]
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
    return f"*Item {item.number}: {escape(_clip(item.title, TITLE_LIMIT))}*"


def _link(link: str | None) -> str:
    return f" · <{link}|open the thread>" if link else ""


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _header(text: str) -> Block:
    return {"type": "header", "text": {"type": "plain_text", "text": _clip(text, 150)}}
