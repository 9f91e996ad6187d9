"""Fitting Slack's limits without losing a word.

Slack refuses a section over 3,000 characters, a header over 150, a message of more than 50
blocks or of more than about 12,000 characters of block text, and a view of more than 100
blocks.  Long mrkdwn is split into several sections at line or word boundaries, never inside a
link `<url|text>`, a mention `<@U…>`, a date token `<!date^…|…>` or an escape `&amp;`; blocks
that one message cannot hold go on in further messages (`SlackMessage.more`); and where only a
shortened form fits (a header, a fallback text, a root message that must stay one message), the
shortened form says where the full text is.

Pure functions: no I/O, no Slack SDK.
"""

import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from bot.views.catalog import N_, _

Block = dict[str, Any]

SECTION_LIMIT = 3000  # Slack: a section's text, a context element's text
HEADER_LIMIT = 150  # Slack: a header's plain text
MESSAGE_BLOCKS = 50  # Slack: blocks in one message
VIEW_BLOCKS = 100  # Slack: blocks in a modal or the Home
BLOCK_TEXT_LIMIT = 12_000  # Slack: about this much text across one message's blocks
BLOCK_TEXT_BUDGET = 11_000  # what a message of ours holds, under Slack's limit with room
FALLBACK_LIMIT = 1_000  # a notification's text: a readable line, never Slack's 40,000
INPUT_LIMIT = 3000  # Slack: a plain_text_input's max_length (and so its initial_value)

# Where the rest of a shortened text is: translated where the note is written (`shorten`).
FULL_TEXT_IN_THREAD = N_("full text in the thread")
FULL_TEXT_IN_RECORD = N_("full text in the record")

# What must never be cut: Slack's markup and the escapes of &, < and >.
_UNBREAKABLE = re.compile(r"<[^<>]*>|&(?:amp|lt|gt);")


@dataclass(frozen=True)
class SlackMessage:
    """One message as Slack takes it, and the messages that carry what it could not hold."""

    text: str  # the fallback: notifications, screen readers, clients without blocks
    blocks: list[Block] = field(default_factory=list)
    # Continuations, posted after this one in the same place (its thread, or the same DM).
    more: tuple["SlackMessage", ...] = ()

    def parts(self) -> list["SlackMessage"]:
        """This message and its continuations, in the order to post them."""
        return [self, *self.more]


def escape(text: str) -> str:
    """Slack's mrkdwn needs &, < and > escaped in text that is not markup of ours."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# -- cutting text ---------------------------------------------------------------------------------


def _protected(text: str) -> list[bool]:
    """inside[i]: a cut before text[i] would fall inside markup or an escape."""
    inside = [False] * (len(text) + 1)
    for match in _UNBREAKABLE.finditer(text):
        for i in range(match.start() + 1, match.end()):
            inside[i] = True
    return inside


def _cut(text: str, start: int, room: int, inside: list[bool]) -> int:
    """Where to end a piece that starts at `start` and holds at most `room` characters: after a
    space if one is in reach, else at any boundary outside markup, else (a single link longer
    than `room`, which no Slack text can hold whole) at `room`."""
    end = min(len(text), start + room)
    if end == len(text):
        return end
    for i in range(end, start, -1):
        if text[i - 1] == " " and not inside[i]:
            return i
    for i in range(end, start, -1):
        if not inside[i]:
            return i
    return end


def _split_line(line: str, limit: int) -> list[str]:
    """A line cut into pieces of at most `limit`; a quoted line stays quoted in every piece."""
    if len(line) <= limit:
        return [line]
    prefix = ">" if line.startswith(">") else ""
    inside = _protected(line)
    pieces: list[str] = []
    start = 0
    while start < len(line):
        lead = prefix if pieces else ""
        end = _cut(line, start, limit - len(lead), inside)
        piece = line[start:end].rstrip()
        if piece.strip(" >"):
            pieces.append(lead + piece)
        start = end
        while start < len(line) and line[start] == " ":
            start += 1
    return pieces


def split_mrkdwn(text: str, limit: int = SECTION_LIMIT) -> list[str]:
    """`text` in pieces of at most `limit` characters, cut between lines where it can, else
    between words, never inside markup; together they hold every word of `text`."""
    chunks: list[str] = []
    current: str | None = None
    for line in text.split("\n"):
        for piece in _split_line(line, limit):
            if current is None:
                current = piece
            elif len(current) + 1 + len(piece) <= limit:
                current = f"{current}\n{piece}"
            else:
                chunks.append(current)
                current = piece
    if current is not None:
        chunks.append(current)
    trimmed = [chunk.strip("\n") for chunk in chunks]
    return [chunk for chunk in trimmed if chunk.strip()]


def shorten(text: str, limit: int, where: str = "") -> str:
    """`text` if it fits in `limit`; else its start, cut between words and never inside markup,
    then "…" and, when given, where the full text is: "… (full text in the thread)"."""
    if len(text) <= limit:
        return text
    note = f"… ({_(where)})" if where else "…"
    end = _cut(text, 0, max(1, limit - len(note)), _protected(text))
    return text[:end].rstrip() + note


def fallback(text: str, where: str = FULL_TEXT_IN_THREAD) -> str:
    """A message's fallback text (notifications, screen readers): one readable paragraph."""
    return shorten(text, FALLBACK_LIMIT, where)


def quote(text: str) -> str:
    """Every line of `text` quoted (mrkdwn's `>` quotes one line only)."""
    return "\n".join(f">{line}" for line in text.split("\n"))


# -- blocks ---------------------------------------------------------------------------------------


def plain(text: str, limit: int = HEADER_LIMIT) -> dict[str, Any]:
    """Plain text for a modal's title, a button or an option (cut at `limit`, 150 by default)."""
    return {"type": "plain_text", "text": text[:limit], "emoji": True}


def section(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def sections(text: str) -> list[Block]:
    """`text` as as many section blocks as Slack's 3,000 characters per section need."""
    return [section(chunk) for chunk in split_mrkdwn(text, SECTION_LIMIT)]


def context(text: str) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text}]}


def contexts(text: str) -> list[Block]:
    return [context(chunk) for chunk in split_mrkdwn(text, SECTION_LIMIT)]


def header(text: str) -> list[Block]:
    """A header (Slack shows 150 characters of plain text); a longer one is shortened there and
    given whole in a section under it."""
    if len(text) <= HEADER_LIMIT:
        return [{"type": "header", "text": {"type": "plain_text", "text": text}}]
    short = shorten(text, HEADER_LIMIT)
    return [
        {"type": "header", "text": {"type": "plain_text", "text": short}},
        *sections(f"*{escape(text.strip())}*"),
    ]


def block_id(prefix: str, block: Block) -> str:
    """A block id that changes with the block's content: Slack keeps a block whose id it has
    already seen when a message is updated, so changed content needs a new id."""
    content = json.dumps({k: v for k, v in block.items() if k != "block_id"}, sort_keys=True)
    return f"{prefix}_{hashlib.sha1(content.encode()).hexdigest()[:8]}"


def _texts(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for key, inner in value.items():
            if key == "text" and isinstance(inner, str):
                yield inner
            else:
                yield from _texts(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from _texts(inner)


def block_text_length(blocks: list[Block]) -> int:
    """The characters of text across `blocks`, as Slack counts against a message's limit."""
    return sum(len(text) for text in _texts(blocks))


def pack(
    blocks: list[Block], *, max_blocks: int = MESSAGE_BLOCKS, budget: int = BLOCK_TEXT_BUDGET
) -> list[list[Block]]:
    """`blocks` in order, in as few messages as Slack's limits allow."""
    pages: list[list[Block]] = [[]]
    used = 0
    for block in blocks:
        size = block_text_length([block])
        page = pages[-1]
        if page and (len(page) >= max_blocks or used + size > budget):
            pages.append([])
            used = 0
        pages[-1].append(block)
        used += size
    return pages


def message(text: str, blocks: list[Block], *, continued: str) -> SlackMessage:
    """A message of any length: the first part, and continuations that each open with a line
    saying what they continue ("`continued` (2 of 3)")."""
    pages = pack(blocks, max_blocks=MESSAGE_BLOCKS - 1, budget=BLOCK_TEXT_BUDGET - 200)
    if len(pages) == 1:
        return SlackMessage(text=text, blocks=pages[0])
    total = len(pages)
    more = []
    for number, page in enumerate(pages[1:], start=2):
        note = shorten(
            _("{what} ({number} of {total})", what=continued, number=number, total=total), 200
        )
        more.append(SlackMessage(text=note, blocks=[context(f"_{escape(note)}_"), *page]))
    return SlackMessage(text=text, blocks=pages[0], more=tuple(more))
