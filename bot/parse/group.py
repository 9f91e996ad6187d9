"""Reading `/group`: `/group [N] ["name"|name] @member … [purpose]`, `list`, `help`, or the form.

Pure: the words that explain a parse error are bot/views/groups.py's.
"""

import re
from dataclasses import dataclass
from typing import Literal

MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
USER_GROUP = re.compile(r"<!subteam\^[A-Z0-9]+(?:\|[^>]*)?>")
# Typed double quotes, and the curly ones phones and macOS substitute for them (a single quote
# is left alone: it is an apostrophe too often, as in "Members' rules").
QUOTES = {'"': '"', "\u201c": "\u201d", "\u201d": "\u201d", "\u201e": "\u201c", "«": "»"}

GroupAction = Literal["create", "form", "list", "help"]
# user_group: a @usergroup mention (never expanded); no_name: members before any name;
# no_members: no mention at all; unreadable_members: an "@" typed as text, not a mention.
GroupParseError = Literal["user_group", "no_name", "no_members", "unreadable_members"]


@dataclass(frozen=True)
class GroupRequest:
    """A parsed `/group` (or a submitted form).

    `action`: create, form (open the modal, `item_number` prefilled), list, or help (`error`
    says what could not be read, when that is why).
    """

    action: GroupAction
    name: str = ""
    item_number: int | None = None
    topic: str = ""
    members: tuple[str, ...] = ()
    purpose: str = ""
    error: GroupParseError | None = None


def parse_group(text: str) -> GroupRequest:
    """`/group [N] ["name"|name] @member … [purpose]`; `/group` or `/group N` opens the form.

    Slack sends each mention as `<@U123|name>` (the command escapes them).  Without a number the
    group works on a free topic: its name.
    """
    text = " ".join(text.split())
    if not text:
        return GroupRequest("form")
    if text.lower() in ("help", "?"):
        return GroupRequest("help")
    if text.lower() == "list":
        return GroupRequest("list")
    number: int | None = None
    leading = re.match(r"(\d+)(?:\s+|$)", text)
    if leading:
        number, text = int(leading.group(1)), text[leading.end() :]
        if not text:
            return GroupRequest("form", item_number=number)
    if USER_GROUP.search(text):
        return GroupRequest("help", error="user_group")
    name, rest = _read_name(text)
    members = tuple(dict.fromkeys(MENTION.findall(rest)))
    purpose = " ".join(MENTION.sub(" ", rest).split()).lstrip("-\u2013\u2014:; ").strip()
    if not name:
        return GroupRequest("help", error="no_name")
    if not members:
        unreadable = "@" in rest or "@" in name
        return GroupRequest("help", error="unreadable_members" if unreadable else "no_members")
    topic = "" if number is not None else name
    return GroupRequest("create", name, number, topic, members, purpose)


def _read_name(text: str) -> tuple[str, str]:
    """The quoted name, or everything before the first mention; and what follows it."""
    close = QUOTES.get(text[:1])
    if close is not None:
        end = text.find(close, 1)
        if end > 0:
            return " ".join(text[1:end].split()), text[end + 1 :]
    first = MENTION.search(text)
    if first is None:
        return "", text
    return text[: first.start()].strip(), text[first.start() :]
