"""The meeting file: YAML in, a validated `MeetingSpec` out, or every problem at once.

Validation is complete before anything is written: the loader either applies a whole,
consistent spec or reports each error with the file, the key (and line) and what was expected.
E-mail addresses are resolved through an injected lookup (Slack's users.lookupByEmail in
production) so this module stays free of I/O beyond reading the file.  With `allow_unresolved`,
an e-mail nobody in Slack has (a delegate from another organisation's workspace) is no error:
the entry is kept as a `PendingSpec`, to be matched later.

Languages: `languages: [en, fr]` names the meeting's languages, the main one first (default
`[en]`).  A text from the file (the meeting's title, an item's title and proposal, a document's
title) is a string, or a map per language (`title: {en: ..., fr: ...}`) that must give the main
language's text; a language it leaves out reads the main one.  `language:` on a delegation or a
delegate (written as a mapping) says which of the meeting's languages its people read.
"""

import hashlib
import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from babel import Locale, UnknownLocaleError

from bot.parse.timeparse import DURATION_EXAMPLES, parse_duration, parse_moment, read_moment

USER_ID = re.compile(r"^[UW][A-Z0-9]{6,20}$")
CHANNEL_ID = re.compile(r"^[CG][A-Z0-9]{6,20}$")
EMAIL = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")
TIME_OF_DAY = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
MEETING_KEY = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
LANGUAGE_CODE = re.compile(r"^[a-z]{2,3}$")
DEFAULT_LANGUAGES: tuple[str, ...] = ("en",)

TOP_KEYS = {
    "key",
    "title",
    "channel",
    "timezone",
    "chair",
    "secretariat",
    "delegations",
    "agenda",
    "reminders",
    "nudge",
    "nudge_observers",
    "silence_minimum",
    "digest_at",
    "digest_horizon",
    "quiet_digest",
    "secretariat_channel",
    "languages",
}
DELEGATION_KEYS = {"name", "kind", "delegates", "language"}
ITEM_KEYS = {"number", "title", "proposal", "documents", "opens", "deadline"}
DOCUMENT_KEYS = {"code", "title", "url"}
# A person written as a mapping: {id or email, name, language}.
PERSON_KEYS = {"id", "email", "name", "language"}

# The calendar, in seconds, when the file does not set it: channel reminders a week, two days
# and a day before each deadline; silent member delegations nudged two days before; observers
# not nudged (they are not expected to answer); no silence procedure shorter than three days.
DEFAULT_REMINDERS: tuple[int, ...] = (7 * 86400, 2 * 86400, 86400)
DEFAULT_NUDGE = 2 * 86400
DEFAULT_SILENCE_MINIMUM = 3 * 86400
DEFAULT_DIGEST_AT = "09:00"
DEFAULT_DIGEST_HORIZON = 3 * 86400
REMINDERS_EXPECTED = "expected a list of durations such as [7d, 2d, 24h], or [] for no reminders"

EmailLookup = Callable[[str], str | None]
# Texts in the meeting's other languages: {"fr": {"title": "...", "proposal": "..."}}.
Translations = dict[str, dict[str, str]]


class MeetingFileError(Exception):
    """The file cannot be loaded; `errors` lists every problem found, `unresolved` the e-mails
    Slack does not know (which `allow_unresolved` would have kept pending instead)."""

    def __init__(self, path: str, errors: list[str], unresolved: tuple[str, ...] = ()) -> None:
        self.path = path
        self.errors = errors
        self.unresolved = unresolved
        super().__init__(f"{path}: {len(errors)} problem(s)\n" + "\n".join(errors))


@dataclass(frozen=True)
class Person:
    user_id: str
    email: str | None = None  # set when the file named them by e-mail
    name: str | None = None  # set when the file gives their name ({id or email, name})
    language: str | None = None  # set when the file gives theirs ({..., language: fr})


@dataclass(frozen=True)
class PendingSpec:
    """An entry whose e-mail no Slack user has, kept (with allow_unresolved) to be matched later.
    `language` is the entry's own, else its delegation's."""

    email: str
    name: str | None
    role: str  # member | observer | chair | secretariat
    delegation: str | None  # the delegation's name; None for the chair and secretariat
    language: str | None = None


@dataclass(frozen=True)
class DocumentSpec:
    code: str
    title: str
    url: str
    translations: Translations = field(default_factory=dict, hash=False)


@dataclass(frozen=True)
class ItemSpec:
    number: int
    title: str
    proposal: str
    documents: tuple[DocumentSpec, ...]
    opens_at: datetime | None
    deadline_at: datetime
    translations: Translations = field(default_factory=dict, hash=False)


@dataclass(frozen=True)
class DelegationSpec:
    name: str
    kind: str
    delegates: tuple[Person, ...]
    language: str | None = None


@dataclass(frozen=True)
class MeetingSpec:
    key: str
    title: str
    channel: str
    timezone: str
    chair: tuple[Person, ...]
    secretariat: tuple[Person, ...]
    delegations: tuple[DelegationSpec, ...]
    agenda: tuple[ItemSpec, ...]
    # The calendar, all in seconds. Reminders go from the longest to the shortest offset before
    # each deadline; nudge None means no direct messages to silent delegations.
    reminders: tuple[int, ...] = DEFAULT_REMINDERS
    nudge: int | None = DEFAULT_NUDGE
    nudge_observers: bool = False
    silence_minimum: int = DEFAULT_SILENCE_MINIMUM
    # The secretariat's digest: a local time of day ("09:00") or None for no daily digest; what
    # counts as closing soon; on a day with nothing new, a one-line digest ("line") or none
    # ("none"); and a channel to post it in instead of direct messages.
    digest_at: str | None = DEFAULT_DIGEST_AT
    digest_horizon: int = DEFAULT_DIGEST_HORIZON
    quiet_digest: str = "line"
    secretariat_channel: str | None = None
    # The meeting's languages, the main one first; the title in the others; the entries whose
    # e-mail Slack does not know, kept pending (only when loaded with allow_unresolved).
    languages: tuple[str, ...] = DEFAULT_LANGUAGES
    translations: Translations = field(default_factory=dict, hash=False)
    pending: tuple[PendingSpec, ...] = ()
    warnings: tuple[str, ...] = field(default=(), compare=False)

    def digest(self) -> str:
        """A fingerprint of what the file means (not how it is written).  What a file that uses
        no languages says the defaults (one language, no translations, no pending entry) leaves
        out, so such a file keeps the fingerprint it had before languages existed."""
        data = _without_defaults(asdict(self))
        data.pop("warnings")
        encoded = json.dumps(data, sort_keys=True, default=str).encode()
        return hashlib.sha256(encoded).hexdigest()


# Keys added with languages, and the values that mean "not used".
_ADDED_DEFAULTS: dict[str, tuple[Any, ...]] = {
    "languages": (DEFAULT_LANGUAGES,),
    "translations": ({},),
    "language": (None,),
    "pending": ((),),
}


def _without_defaults(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            key: _without_defaults(item)
            for key, item in value.items()
            if not (key in _ADDED_DEFAULTS and item in _ADDED_DEFAULTS[key])
        }
    if isinstance(value, list | tuple):
        return [_without_defaults(item) for item in value]
    return value


def known_language(code: str) -> bool:
    """Whether `code` is a language code (ISO 639, as CLDR knows it): "fr" yes, "xx" no."""
    if not LANGUAGE_CODE.match(code):
        return False
    try:
        return Locale.parse(code).language == code
    except (UnknownLocaleError, ValueError):
        return False


def read_meeting_file(
    path: str | Path, lookup_email: EmailLookup | None = None, *, allow_unresolved: bool = False
) -> MeetingSpec:
    """Parse and validate `path`; raise MeetingFileError listing every problem."""
    name = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise MeetingFileError(name, [f"{name}: cannot read the file ({exc.strerror})"]) from None
    except UnicodeDecodeError:
        raise MeetingFileError(name, [f"{name}: the file is not UTF-8 text"]) from None
    return parse_meeting(
        text, name=name, lookup_email=lookup_email, allow_unresolved=allow_unresolved
    )


class _Loader(yaml.SafeLoader):
    """PyYAML's safe loader, except that dates and times stay text.

    PyYAML turns `2020-07-17` and `2020-07-17 17:00:00+02:00` into date and datetime objects
    itself, and an impossible one (`2020-02-30`, month 13) raises from deep inside it: a
    traceback instead of a message.  Left as text, every spelling is judged by Docket's own
    parser (bot/parse/timeparse.py), which names the line, the key and what it expected.
    """

    yaml_implicit_resolvers = {
        first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        # An explicit tag PyYAML cannot honour (`!!timestamp 2020-02-30`, `!!int abc`) raises a
        # bare ValueError; give it the node's line like any other YAML error.
        try:
            return super().construct_object(node, deep)
        except (ValueError, TypeError, OverflowError) as exc:
            raise yaml.constructor.ConstructorError(
                None, None, f"{node.value!r} is not a valid {node.tag}: {exc}", node.start_mark
            ) from None


# YAML 1.1's timestamp, which PyYAML used to read itself: one-digit months, days and hours, any
# number of fraction digits, an offset of one-digit hours.  Such a spelling is rewritten in
# ISO 8601 before Docket's parser sees it, so what PyYAML accepted is still accepted.
_YAML_TIMESTAMP = re.compile(
    r"(?P<y>\d{4})-(?P<mo>\d\d?)-(?P<d>\d\d?)"
    r"(?:(?:[Tt]|[ \t]+)(?P<h>\d\d?):(?P<mi>\d\d):(?P<s>\d\d)(?:\.(?P<frac>\d*))?"
    r"(?:[ \t]*(?P<tz>Z|[-+]\d\d?(?::\d\d)?))?)?",
    re.ASCII,
)


def _iso_spelling(text: str) -> str:
    """A YAML timestamp as ISO 8601 ("2020-7-3 9:00:00 +2" -> "2020-07-03T09:00:00+02:00")."""
    match = _YAML_TIMESTAMP.fullmatch(text.strip())
    if match is None:
        return text
    day = f"{match['y']}-{match['mo']:0>2}-{match['d']:0>2}"
    if match["h"] is None:
        return day
    frac = f".{match['frac'][:6]}" if match["frac"] else ""
    zone = match["tz"] or ""
    if zone and zone != "Z":
        hours, _, minutes = zone[1:].partition(":")
        zone = f"{zone[0]}{hours:0>2}:{minutes or '00'}"
    return f"{day}T{match['h']:0>2}:{match['mi']}:{match['s']}{frac}{zone}"


def _read_moment(text: str, zone: ZoneInfo | None) -> datetime | None:
    """The instant in UTC; None when there is no zone to read a local time in (the time zone
    error is reported already; the form is still checked)."""
    if zone is not None:
        return parse_moment(text, zone)
    moment = read_moment(text)
    return moment.astimezone(UTC) if moment.tzinfo is not None else None


def parse_meeting(
    text: str,
    *,
    name: str,
    lookup_email: EmailLookup | None = None,
    allow_unresolved: bool = False,
) -> MeetingSpec:
    try:
        node = yaml.compose(text, Loader=_Loader)
        data = yaml.load(text, Loader=_Loader)  # a SafeLoader: no arbitrary objects
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise MeetingFileError(name, [f"{name}:{where}: not valid YAML: {problem}"]) from None
    try:
        return _Validator(name, _line_map(node), lookup_email, allow_unresolved).validate(data)
    except RecursionError:  # an anchor that contains itself (`&a [*a]`) nests without end
        problem = "a value contains itself (a YAML anchor used inside its own value)"
        raise MeetingFileError(name, [f"{name}: not valid YAML: {problem}"]) from None


def _line_map(node: yaml.Node | None, path: str = "") -> dict[str, int]:
    """Map each key path ("agenda[2].deadline") to its 1-based line in the file."""
    lines: dict[str, int] = {}
    if node is None:
        return lines
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            child = f"{path}.{key_node.value}" if path else str(key_node.value)
            lines.update(_line_map(value_node, child))
            lines[child] = key_node.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            lines.update(_line_map(item, f"{path}[{index}]"))
    return lines


class _Validator:
    def __init__(
        self,
        name: str,
        lines: dict[str, int],
        lookup: EmailLookup | None,
        allow_unresolved: bool = False,
    ) -> None:
        self.name = name
        self.lines = lines
        self.lookup = lookup
        self.allow_unresolved = allow_unresolved
        self.errors: list[str] = []
        self.warnings: list[str] = []
        self.languages: tuple[str, ...] = DEFAULT_LANGUAGES
        self.seats: dict[str, str] = {}  # user id (or "email:" and an e-mail) -> where first seen
        self.pending: list[PendingSpec] = []
        self.unresolved: list[str] = []  # e-mails Slack does not know, as written

    def error(self, path: str, message: str) -> None:
        self.errors.append(self._where(path) + message)

    def warn(self, path: str, message: str) -> None:
        self.warnings.append(self._where(path) + message)

    def _where(self, path: str) -> str:
        probe = path
        while probe and probe not in self.lines:  # fall back to the nearest enclosing key
            probe = probe.rsplit(".", 1)[0] if "." in probe else ""
        line = self.lines.get(probe)
        at = f" line {line}" if line else ""
        return f"{self.name}:{at}: {path or 'file'}: "

    # -- scalar helpers ---------------------------------------------------------------------

    def text(self, data: Mapping[str, Any], key: str, path: str, *, required: bool = True) -> str:
        value = data.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.error(path, "is missing; expected a non-empty text")
            return ""
        if not isinstance(value, str | int | float):
            self.error(path, f"expected text, got {type(value).__name__}")
            return ""
        return str(value).strip()

    def texts(
        self, data: Mapping[str, Any], key: str, path: str, *, required: bool = True
    ) -> tuple[str, dict[str, str]]:
        """A text from the file, a string or a map per language: the main language's text, and
        the others' ({lang: text}; a language left out reads the main one)."""
        value = data.get(key)
        if not isinstance(value, dict) or not value:
            return self.text(data, key, path, required=required), {}
        main = self.languages[0]
        found: dict[str, str] = {}
        for written, text in value.items():
            where = f"{path}.{written}"
            code = written.strip().lower() if isinstance(written, str) else None
            if code is None or code not in self.languages:
                self.error(
                    where,
                    f"{written!r} is not one of the meeting's languages "
                    f"({', '.join(self.languages)}); add it to languages: or leave it out",
                )
                continue
            if code in found:
                self.error(where, f"the text in {code} is given twice")
                continue
            if isinstance(text, dict | list):
                self.error(where, f"expected text, got {type(text).__name__}")
                continue
            if text is not None and str(text).strip():
                found[code] = str(text).strip()
        if main not in found:
            self.error(
                path,
                f"has no text in {main}, the meeting's main language; "
                f"expected {{{main}: ...}} beside the other languages",
            )
        return found.pop(main, ""), found

    def language(self, data: Mapping[str, Any], path: str) -> str | None:
        """`language:` on a delegation or a delegate: one of the meeting's languages, or None."""
        if "language" not in data:
            return None
        value = data["language"]
        code = value.strip().lower() if isinstance(value, str) else None
        if code is not None and code in self.languages:
            return code
        self.error(
            f"{path}.language",
            f"{value!r} is not one of the meeting's languages ({', '.join(self.languages)})",
        )
        return None

    def moment(self, value: Any, path: str, zone: ZoneInfo | None) -> datetime | None:
        """A date and time: with an offset as given, without one in the meeting's zone."""
        if not isinstance(value, str):  # _Loader leaves dates and times as text
            self.error(path, "expected a date and time such as 2020-07-17T17:00")
            return None
        try:
            return _read_moment(value, zone)
        except ValueError as exc:
            spelled = _iso_spelling(value)  # a YAML timestamp PyYAML used to accept?
            if spelled != value:
                try:
                    return _read_moment(spelled, zone)
                except ValueError:
                    pass  # the message below quotes it as written
            self.error(path, str(exc))
            return None

    def duration(self, value: Any, path: str, *, otherwise: str = "") -> int | None:
        """A positive duration in whole seconds; `otherwise` names a further accepted value."""
        if value is None:
            self.error(path, f"is empty; {DURATION_EXAMPLES}{otherwise}")
            return None
        try:
            # Numbers and booleans are refused by parse_duration: a unit must be written.
            return int(parse_duration(value).total_seconds())
        except ValueError as exc:
            self.error(path, f"{exc}{otherwise}")
            return None

    def unknown_keys(self, data: Mapping[str, Any], known: set[str], path: str) -> None:
        # Later versions add keys; an unknown one may be a typo, so say so without failing.
        for key in data:
            if key not in known:
                where = f"{path}.{key}" if path else str(key)
                self.warn(where, f"unknown key ignored (known: {', '.join(sorted(known))})")

    # -- people -----------------------------------------------------------------------------

    def people(self, value: Any, path: str, *, required: bool) -> list[tuple[str, Any]]:
        if value is None:
            if required:
                self.error(path, "is missing; expected a list of Slack user ids or e-mails")
            return []
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list):
            self.error(path, "expected a list of Slack user ids or e-mails")
            return []
        if required and not value:
            self.error(path, "is empty; expected at least one Slack user id or e-mail")
        return [(f"{path}[{i}]", entry) for i, entry in enumerate(value)]

    def resolve(self, entries: Iterable[tuple[str, Any]]) -> list[tuple[str, Person]]:
        resolved: list[tuple[str, Person]] = []
        for path, entry in entries:
            name: str | None = None
            language: str | None = None
            if isinstance(entry, dict):
                entry, name, language = self.person_mapping(entry, path)
                if entry is None:
                    continue
            raw = str(entry).strip() if isinstance(entry, str) else None
            if raw is None:
                self.error(path, "expected a Slack user id (U0123ABCD) or an e-mail address")
            elif USER_ID.match(raw):
                resolved.append((path, Person(raw, name=name, language=language)))
            elif EMAIL.match(raw):
                email = raw.lower()
                if self.lookup is None:
                    self.error(
                        path,
                        f"{raw} is an e-mail; set SLACK_BOT_TOKEN so it can be looked up in Slack",
                    )
                    continue
                user_id = self.lookup(email)
                if user_id is not None:
                    resolved.append((path, Person(user_id, email, name, language)))
                elif self.allow_unresolved:  # kept pending: the caller seats it by e-mail
                    resolved.append((path, Person("", email, name, language)))
                else:
                    self.unresolved.append(raw)
                    self.error(path, f"no Slack user has the e-mail {raw} (users.lookupByEmail)")
            else:
                self.error(
                    path,
                    f"{raw!r} is not a Slack user id (U or W, then capitals and digits, "
                    "like U0123ABCD) nor an e-mail address",
                )
        return resolved

    def person_mapping(
        self, entry: Mapping[str, Any], path: str
    ) -> tuple[str | None, str | None, str | None]:
        """`{id: U0123ABCD, name: Jane Doe}` or `{email: ..., name: ..., language: fr}`: the id
        or e-mail to resolve (None when the entry gives neither, or both), the name and the
        language, if given."""
        self.unknown_keys(entry, PERSON_KEYS, path)
        name = self.text(entry, "name", f"{path}.name", required=False) or None
        language = self.language(entry, path)
        given = [key for key in ("id", "email") if entry.get(key) is not None]
        if len(given) != 1:
            self.error(
                path,
                "expected either id (a Slack user id) or email, with an optional name, "
                "like {id: U0123ABCD, name: Jane Doe}",
            )
            return None, name, language
        value = entry[given[0]]
        if not isinstance(value, str):
            self.error(f"{path}.{given[0]}", f"expected text, got {type(value).__name__}")
            return None, name, language
        return value, name, language

    def seat(
        self,
        people: list[tuple[str, Person]],
        *,
        role: str,
        delegation: str | None = None,
        language: str | None = None,
    ) -> tuple[Person, ...]:
        """One seat per person: the people found in Slack, in order; an entry kept pending
        (no user id) goes to `self.pending` with its role and delegation."""
        kept: list[Person] = []
        for path, person in people:
            seat = person.user_id or f"email:{person.email}"
            first = self.seats.get(seat)
            if first is not None:
                who = person.email or person.user_id
                self.error(path, f"{who} is already listed at {first}; one seat per person")
                continue
            self.seats[seat] = path
            if person.user_id:
                kept.append(person)
            else:
                assert person.email is not None
                self.pending.append(
                    PendingSpec(
                        email=person.email,
                        name=person.name,
                        role=role,
                        delegation=delegation,
                        language=person.language or language,
                    )
                )
        return tuple(kept)

    def meeting_languages(self, data: Mapping[str, Any]) -> tuple[str, ...]:
        """`languages: [en, fr]`: known codes, each once, the main one first; default [en]."""
        if "languages" not in data:
            return DEFAULT_LANGUAGES
        value = data["languages"]
        if isinstance(value, str):
            value = [value]  # "languages: fr" is the one-language list it looks like
        if not isinstance(value, list) or not value:
            self.error(
                "languages",
                f"expected a list of language codes, the main one first, such as [en, fr]; "
                f"got {value!r}",
            )
            return DEFAULT_LANGUAGES
        codes: dict[str, str] = {}  # code -> where it was first written
        for index, entry in enumerate(value):
            path = f"languages[{index}]"
            code = entry.strip().lower() if isinstance(entry, str) else ""
            if not known_language(code):
                # YAML reads a bare no (Norwegian) as false.
                hint = "; write it in quotes" if isinstance(entry, bool) else ""
                self.error(
                    path,
                    f"{entry!r} is not a known language code; expected a two-letter code "
                    f"such as en or fr{hint}",
                )
            elif code in codes:
                self.error(path, f"{entry!r} is already listed at {codes[code]}; list each once")
            else:
                codes[code] = path
        return tuple(codes) or DEFAULT_LANGUAGES

    # -- the file ---------------------------------------------------------------------------

    def validate(self, data: Any) -> MeetingSpec:
        if not isinstance(data, dict):
            self.error("", "expected a mapping with key, title, channel, timezone, agenda, ...")
            raise MeetingFileError(self.name, self.errors)
        self.unknown_keys(data, TOP_KEYS, "")
        self.languages = self.meeting_languages(data)  # first: the texts below are read by it
        key = self.text(data, "key", "key")
        if key and not MEETING_KEY.match(key):
            self.error("key", f"{key!r}: expected lowercase letters, digits, '.', '_' or '-'")
        title, title_in = self.texts(data, "title", "title")
        channel = self.text(data, "channel", "channel")
        if channel and not CHANNEL_ID.match(channel):
            self.error("channel", f"{channel!r} is not a Slack channel id (like C0123ABCD)")
        timezone = self.text(data, "timezone", "timezone")
        zone: ZoneInfo | None = None
        if timezone:
            try:
                zone = ZoneInfo(timezone)
            except (ZoneInfoNotFoundError, ValueError):
                self.error("timezone", f"unknown time zone {timezone!r}; expected an IANA name")

        chair = self.seat(
            self.resolve(self.people(data.get("chair"), "chair", required=True)), role="chair"
        )
        secretariat = self.seat(
            self.resolve(self.people(data.get("secretariat"), "secretariat", required=True)),
            role="secretariat",
        )
        delegations = self.delegations(data.get("delegations"))
        agenda = self.agenda(data.get("agenda"), zone)
        reminders = self.reminders(data)
        nudge = self.nudge(data)
        nudge_observers = self.nudge_observers(data)
        silence_minimum = self.silence_minimum(data)
        digest_at, digest_horizon, quiet_digest, secretariat_channel = self.digest_settings(data)
        if self.errors:
            raise MeetingFileError(self.name, self.errors, tuple(self.unresolved))
        return MeetingSpec(
            key=key,
            title=title,
            channel=channel,
            timezone=timezone,
            chair=chair,
            secretariat=secretariat,
            delegations=delegations,
            agenda=agenda,
            reminders=reminders,
            nudge=nudge,
            nudge_observers=nudge_observers,
            silence_minimum=silence_minimum,
            digest_at=digest_at,
            digest_horizon=digest_horizon,
            quiet_digest=quiet_digest,
            secretariat_channel=secretariat_channel,
            languages=self.languages,
            translations={lang: {"title": text} for lang, text in title_in.items()},
            pending=tuple(self.pending),
            warnings=tuple(self.warnings),
        )

    def delegations(self, value: Any) -> tuple[DelegationSpec, ...]:
        if value is None:
            value = []
        if not isinstance(value, list):
            self.error("delegations", "expected a list of delegations (name, kind, delegates)")
            return ()
        specs: list[DelegationSpec] = []
        names: dict[str, str] = {}
        for index, entry in enumerate(value):
            path = f"delegations[{index}]"
            if not isinstance(entry, dict):
                self.error(path, "expected a mapping with name, kind and delegates")
                continue
            self.unknown_keys(entry, DELEGATION_KEYS, path)
            name = self.text(entry, "name", f"{path}.name")
            if name.casefold() in names:
                self.error(f"{path}.name", f"{name!r} is already used at {names[name.casefold()]}")
            elif name:
                names[name.casefold()] = f"{path}.name"
            if name.casefold() in {"chair", "secretariat"}:
                self.error(f"{path}.name", f"{name!r} is reserved for the chair and secretariat")
            kind = self.text(entry, "kind", f"{path}.kind")
            if kind and kind not in ("member", "observer"):
                self.error(
                    f"{path}.kind", f"unknown delegation kind {kind!r}; expected member or observer"
                )
            language = self.language(entry, path)
            people = self.people(entry.get("delegates"), f"{path}.delegates", required=False)
            delegates = self.seat(
                self.resolve(people),
                role=kind if kind in ("member", "observer") else "member",
                delegation=name,
                language=language,
            )
            specs.append(
                DelegationSpec(name=name, kind=kind, delegates=delegates, language=language)
            )
        return tuple(specs)

    def agenda(self, value: Any, zone: ZoneInfo | None) -> tuple[ItemSpec, ...]:
        if not isinstance(value, list) or not value:
            self.error("agenda", "expected a non-empty list of agenda items")
            return ()
        items: list[ItemSpec] = []
        numbers: dict[int, str] = {}
        for index, entry in enumerate(value):
            path = f"agenda[{index}]"
            if not isinstance(entry, dict):
                self.error(path, "expected a mapping with number, title, deadline, ...")
                continue
            self.unknown_keys(entry, ITEM_KEYS, path)
            number = entry.get("number")
            if isinstance(number, bool) or not isinstance(number, int) or number < 1:
                self.error(f"{path}.number", f"expected a whole number from 1 up, got {number!r}")
                number = None
            elif number in numbers:
                self.error(
                    f"{path}.number", f"duplicate item number {number} (also {numbers[number]})"
                )
            else:
                numbers[number] = f"{path}.number"
            title, title_in = self.texts(entry, "title", f"{path}.title")
            proposal, proposal_in = self.texts(
                entry, "proposal", f"{path}.proposal", required=False
            )
            documents = self.documents(entry.get("documents"), f"{path}.documents")
            opens = entry.get("opens")
            opens_at = self.moment(opens, f"{path}.opens", zone) if opens is not None else None
            deadline = entry.get("deadline")
            deadline_at = None
            if deadline is None:
                self.error(f"{path}.deadline", "is missing; expected a date and time")
            else:
                deadline_at = self.moment(deadline, f"{path}.deadline", zone)
            if opens_at and deadline_at and deadline_at <= opens_at:
                self.error(
                    f"{path}.deadline",
                    f"deadline {deadline} is not after the opening {opens}; "
                    "expected a deadline later than opens",
                )
            if number is not None and deadline_at is not None:
                translations = _merged({"title": title_in, "proposal": proposal_in})
                items.append(
                    ItemSpec(
                        number, title, proposal, documents, opens_at, deadline_at, translations
                    )
                )
        return tuple(items)

    def documents(self, value: Any, path: str) -> tuple[DocumentSpec, ...]:
        if value is None:
            return ()
        if not isinstance(value, list):
            self.error(path, "expected a list of documents ({code, title, url})")
            return ()
        docs: list[DocumentSpec] = []
        for index, entry in enumerate(value):
            where = f"{path}[{index}]"
            if not isinstance(entry, dict):
                self.error(where, "expected a mapping with code, title and url")
                continue
            self.unknown_keys(entry, DOCUMENT_KEYS, where)
            code = self.text(entry, "code", f"{where}.code")
            title, title_in = self.texts(entry, "title", f"{where}.title", required=False)
            url = self.text(entry, "url", f"{where}.url", required=False)
            if url and not url.startswith(("https://", "http://")):
                self.error(f"{where}.url", f"{url!r}: expected an http(s) link")
            docs.append(DocumentSpec(code, title, url, _merged({"title": title_in})))
        return tuple(docs)

    # -- the calendar -------------------------------------------------------------------------
    # A key that is absent takes its default; a key written empty ("nudge:") is an error, as
    # it could mean either the default or "none" and the file should say which.

    def reminders(self, data: Mapping[str, Any]) -> tuple[int, ...]:
        if "reminders" not in data:
            return DEFAULT_REMINDERS
        value = data["reminders"]
        if value is None:
            self.error("reminders", f"is empty; {REMINDERS_EXPECTED}")
            return ()
        if isinstance(value, str | int | float) and not isinstance(value, bool):
            value = [value]  # "reminders: 24h" is the one-item list it looks like
        if not isinstance(value, list):
            self.error("reminders", f"{REMINDERS_EXPECTED}; got {value!r}")
            return ()
        seen: dict[int, tuple[str, Any]] = {}  # seconds -> where and how first written
        for index, entry in enumerate(value):
            path = f"reminders[{index}]"
            seconds = self.duration(entry, path)
            if seconds is None:
                continue
            if seconds in seen:
                # "1d" and "24h" are one reminder: sent twice it would look like a fault.
                where, written = seen[seconds]
                self.error(
                    path,
                    f"{entry!r} is the same as {where} ({written!r}); expected each reminder once",
                )
                continue
            seen[seconds] = (path, entry)
        return tuple(sorted(seen, reverse=True))

    def nudge(self, data: Mapping[str, Any]) -> int | None:
        if "nudge" not in data:
            return DEFAULT_NUDGE
        value = data["nudge"]
        # YAML reads a bare off (and no) as false; a quoted "off" means the same.
        if value is False or (isinstance(value, str) and value.strip().lower() in {"off", "false"}):
            return None
        if value is True:
            self.error("nudge", "expected a duration such as 48h, or off for no nudges; got true")
            return None
        return self.duration(value, "nudge", otherwise="; or off for no nudges")

    def nudge_observers(self, data: Mapping[str, Any]) -> bool:
        value = data.get("nudge_observers", False)
        if not isinstance(value, bool):
            # "false" in quotes is a non-empty string: truthy, the opposite of what it says.
            self.error("nudge_observers", f"expected true or false, got {value!r}")
            return False
        return value

    def digest_settings(self, data: Mapping[str, Any]) -> tuple[str | None, int, str, str | None]:
        digest_at: str | None = DEFAULT_DIGEST_AT
        if "digest_at" in data:
            value = data["digest_at"]
            if value is False or (isinstance(value, str) and value.strip().lower() == "off"):
                digest_at = None
            elif isinstance(value, int) and not isinstance(value, bool):
                # YAML 1.1 reads an unquoted 09:00 as a sexagesimal number (540).
                digest_at = f"{value // 60:02d}:{value % 60:02d}" if 0 <= value < 1440 else ""
            else:
                digest_at = str(value).strip()
            if digest_at is not None and not TIME_OF_DAY.match(digest_at):
                self.error(
                    "digest_at", f'{value!r}: expected a local time of day like "09:00", or off'
                )
                digest_at = DEFAULT_DIGEST_AT
        horizon = DEFAULT_DIGEST_HORIZON
        if "digest_horizon" in data:
            seconds = self.duration(data["digest_horizon"], "digest_horizon")
            horizon = DEFAULT_DIGEST_HORIZON if seconds is None else seconds
        quiet = data.get("quiet_digest", "line")
        if quiet not in ("line", "none"):
            self.error(
                "quiet_digest",
                f"{quiet!r}: expected line (a one-line digest on a day with nothing new) or none",
            )
            quiet = "line"
        channel = data.get("secretariat_channel")
        if channel is not None and not (isinstance(channel, str) and CHANNEL_ID.match(channel)):
            self.error(
                "secretariat_channel", f"{channel!r} is not a Slack channel id (like C0123ABCD)"
            )
            channel = None
        return digest_at, horizon, str(quiet), channel

    def silence_minimum(self, data: Mapping[str, Any]) -> int:
        if "silence_minimum" not in data:
            return DEFAULT_SILENCE_MINIMUM
        seconds = self.duration(data["silence_minimum"], "silence_minimum")
        return DEFAULT_SILENCE_MINIMUM if seconds is None else seconds  # None: error reported


def _merged(fields: Mapping[str, Mapping[str, str]]) -> Translations:
    """{field: {lang: text}} turned to {lang: {field: text}}, as the tables store them."""
    merged: Translations = {}
    for name, texts in fields.items():
        for lang, text in texts.items():
            merged.setdefault(lang, {})[name] = text
    return merged
