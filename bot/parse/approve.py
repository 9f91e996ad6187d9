"""Reading `/approve`, `/extend` and `/object`: what the chair or a delegate typed, as values.

Pure: no database, no meeting.  A malformed command is a request whose `error` names what
could not be read (and `word` the offending text); bot/views says it in words.  Whether the
item exists, the moment is well formed in the meeting's time zone, or the user may act is the
domain's to judge.
"""

import re
from dataclasses import dataclass
from typing import Literal

from bot.parse.commands import split_moment, split_number
from models import DecisionKind

ApproveAction = Literal["help", "list", "form", "decide", "silence", "silence_end", "error"]
# not_a_number: the first word (`word`) is no item number; no_silence_deadline: `silence`
# without a deadline after it (`word` is the item number).
ApproveParseError = Literal["not_a_number", "no_silence_deadline"]

KINDS: dict[str, DecisionKind] = {"approve": "approved", "note": "noted", "defer": "deferred"}
HELP_WORDS = ("help", "?", "-h", "--help")
SILENCE_END_WORDS = ("end", "cancel", "stop")


@dataclass(frozen=True)
class ApproveRequest:
    """What the chair typed, parsed.  `action` "error" means the input was malformed.

    The action's name is also what the audit log says a refused user asked for.
    """

    action: ApproveAction
    number: int | None = None
    kind: DecisionKind = "approved"
    text: str | None = None
    until: str | None = None  # the silence deadline as typed
    error: ApproveParseError | None = None
    word: str = ""  # what the error is about (see ApproveParseError)


def parse_approve(text: str) -> ApproveRequest:
    words = text.strip()
    if not words:
        return ApproveRequest("list")
    if words.lower() in HELP_WORDS:
        return ApproveRequest("help")
    match = re.fullmatch(r"#?(\S+)(?:\s+(.*))?", words, flags=re.DOTALL)
    assert match is not None  # any non-empty text matches
    head, rest = match.group(1), (match.group(2) or "").strip()
    if not head.isdigit():
        return ApproveRequest("error", error="not_a_number", word=head)
    number = int(head)
    kind: DecisionKind = "approved"
    first, _, remainder = rest.partition(" ")
    if first.lower() == "silence":
        remainder = remainder.strip()
        if remainder.lower() in SILENCE_END_WORDS:
            return ApproveRequest("silence_end", number=number)
        until, text = split_moment(remainder)
        if until is None:
            # The item number goes in `word`: an "error" request has no number (the audit log
            # of a refused user has always said "asked: error" for one).
            return ApproveRequest("error", error="no_silence_deadline", word=str(number))
        return ApproveRequest("silence", number=number, until=until, text=text or None)
    if first.lower() in ("note", "defer"):
        kind = KINDS[first.lower()]
        rest = remainder.strip()
    if not rest and kind == "approved":
        return ApproveRequest("form", number=number)  # `/approve N` alone: the decision form
    return ApproveRequest("decide", number=number, kind=kind, text=rest or None)


# -- /extend N DATETIME -------------------------------------------------------------------------

# not_a_number: `word` is no item number; no_deadline: nothing after the number;
# extra_text: `word` follows the deadline.
ExtendParseError = Literal["not_a_number", "no_deadline", "extra_text"]


@dataclass(frozen=True)
class ExtendRequest:
    """A parsed `/extend`.  `moment` is the deadline as typed: the meeting's time zone reads it.

    `error` "not_a_number" leaves `number` None; the other errors keep the number, because the
    item's existence is reported before them.
    """

    action: Literal["help", "extend", "error"]
    number: int | None = None
    moment: str | None = None
    error: ExtendParseError | None = None
    word: str = ""


def parse_extend(text: str) -> ExtendRequest:
    if text.strip().lower() in ("", "help"):
        return ExtendRequest("help")
    number, rest, head = split_number(text)
    if number is None:
        return ExtendRequest("error", error="not_a_number", word=head)
    moment, extra = split_moment(rest)
    if moment is None:
        return ExtendRequest("error", number=number, error="no_deadline")
    if extra:
        return ExtendRequest("error", number=number, moment=moment, error="extra_text", word=extra)
    return ExtendRequest("extend", number=number, moment=moment)


# -- /object N reason ---------------------------------------------------------------------------

# not_a_number: `word` is no item number; no_reason: the number alone.
ObjectParseError = Literal["not_a_number", "no_reason"]


@dataclass(frozen=True)
class ObjectRequest:
    """A parsed `/object`: the item and the reason, which is required."""

    action: Literal["help", "object", "error"]
    number: int | None = None
    reason: str = ""
    error: ObjectParseError | None = None
    word: str = ""


def parse_object(text: str) -> ObjectRequest:
    if text.strip().lower() in ("", "help"):
        return ObjectRequest("help")
    number, reason, head = split_number(text)
    if number is None:
        return ObjectRequest("error", error="not_a_number", word=head)
    if not reason:
        return ObjectRequest("error", number=number, error="no_reason")
    return ObjectRequest("object", number=number, reason=reason)
