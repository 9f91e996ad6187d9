"""Shared parsing for slash-command arguments: "N rest" and "N DATETIME rest"."""

import re

# A date and time as a chair types it: 2020-07-24T17:00, 2020-07-24 17:00, with seconds or an
# offset.  The space form is why a DATETIME cannot simply be the next word.
MOMENT = re.compile(
    r"^(\d{4}-\d{2}-\d{2}(?:[T ]\d{1,2}:\d{2}(?::\d{2})?(?:\.\d+)?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?)"
    r"(?:\s+|$)(.*)$",
    flags=re.DOTALL,
)


def split_number(text: str) -> tuple[int | None, str, str]:
    """("3 rest of text") -> (3, "rest of text", "3").  (None, ..., head) if not a number."""
    words = text.strip()
    head, _, rest = words.partition(" ")
    head = head.lstrip("#")
    if not head.isdigit():
        return None, rest.strip(), head
    return int(head), rest.strip(), head


def split_moment(text: str) -> tuple[str | None, str]:
    """("2020-07-24 17:00 some text") -> ("2020-07-24 17:00", "some text")."""
    match = MOMENT.match(text.strip())
    if match is None:
        word, _, rest = text.strip().partition(" ")
        return (word or None), rest.strip()
    return match.group(1), match.group(2).strip()
