"""Reading `/revise`: `/revise [help]`, `/revise N` (the form), or the one-line form
`/revise N CODE URL [until DATETIME] [title]`; and the request a command or the form makes.

Pure: no database, no meeting.  A malformed command is a `ReviseCommand` whose `error` names
what could not be read (and `word` the offending text); bot/views/revisions.py says it in
words.  Whether the item exists and is posted, the link is a web link or the deadline is well
formed in the meeting's time zone is the domain's to judge.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from bot.parse.commands import split_moment, split_number

ReviseAction = Literal["help", "form", "publish", "error"]
# not_a_number: the first word (`word`) is no item number; no_link: the code or the link is
# missing after the item number; no_deadline: `until` with nothing after it.  The last two
# keep the number: whether the item exists is said before them.
ReviseParseError = Literal["not_a_number", "no_link", "no_deadline"]


@dataclass(frozen=True)
class RevisionRequest:
    """What the secretariat asked for, as typed (command) or submitted (form)."""

    number: int | None
    code: str
    url: str
    title: str = ""
    note: str = ""
    until: datetime | None = None  # from the form's date picker: an instant already
    until_text: str | None = None  # from the command: read in the meeting's time zone


@dataclass(frozen=True)
class ReviseCommand:
    """A parsed `/revise`.  `request` is set when `action` is "publish"."""

    action: ReviseAction
    number: int | None = None
    request: RevisionRequest | None = None
    error: ReviseParseError | None = None
    word: str = ""


def parse_revise(text: str) -> ReviseCommand:
    if text.strip().lower() in ("", "help"):
        return ReviseCommand("help")
    number, rest, head = split_number(text)
    if number is None:
        return ReviseCommand("error", error="not_a_number", word=head)
    if not rest:
        return ReviseCommand("form", number=number)
    words = rest.split(None, 2)
    if len(words) < 2:
        return ReviseCommand("error", number=number, error="no_link")
    code, url = words[0], unwrap_link(words[1])
    remainder = words[2] if len(words) > 2 else ""
    until_text: str | None = None
    if remainder.lower() == "until" or remainder.lower().startswith("until "):
        until_text, remainder = split_moment(remainder[len("until") :])
        if until_text is None:
            return ReviseCommand("error", number=number, error="no_deadline")
    request = RevisionRequest(number, code, url, title=remainder, until_text=until_text)
    return ReviseCommand("publish", number=number, request=request)


def unwrap_link(word: str) -> str:
    """A link as typed; Slack may send it already formatted as <url> or <url|label>."""
    if word.startswith("<") and word.endswith(">"):
        return word[1:-1].split("|", 1)[0]
    return word
