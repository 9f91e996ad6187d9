"""`python -m bot COMMAND`: run the bot, load a meeting, post items, export the record, demo.

Exit codes: 0 done, 1 the command ran but something failed (e.g. Slack refused a post),
2 bad input or configuration (the message says what to fix).
"""

import argparse
import logging
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.clock.claims import configure_claims
from bot.core.clock import utcnow
from bot.core.config import ConfigError, Settings, load_settings
from bot.core.db import Database, make_engine, session_scope
from bot.core.logs import configure_logging
from bot.core.schema import SchemaError, current_revision, migrate, pending
from bot.domain.meetings import (
    MeetingNotFound,
    find_meeting,
    language_counts,
    load_meeting,
    pending_people,
    people_wanted,
    profile_name,
    profiles_wanted,
    update_locales,
    update_names,
)
from bot.domain.record_rows import comment_rows
from bot.domain.roster import RosterDiff, import_roster, known_emails, plan_roster, roster_rows
from bot.parse.meeting_file import MeetingFileError, read_meeting_file
from bot.parse.roster import ROSTER_COLUMNS, RosterProblem, read_roster, resolve_emails
from bot.record.csv import write_csv
from bot.record.roster import write_roster
from bot.slack.api import Outbound, check_membership, make_client
from bot.views.failures import membership_text
from bot.views.i18n import available_languages
from bot.views.notices import meeting_not_found_text
from models import Delegation

log = logging.getLogger("docket")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    commands.add_parser("run", help="the whole bot in one process, scheduler included")
    commands.add_parser("web", help="HTTP only (gunicorn), for a scaled deployment")
    commands.add_parser("clock", help="the scheduler only; a standby may run beside it")
    commands.add_parser("migrate", help="bring the database schema up to date (release step)")
    load = commands.add_parser("load", help="create or update a meeting from a meeting file")
    load.add_argument("file", type=Path)
    load.add_argument(
        "--allow-unresolved",
        action="store_true",
        help="keep entries whose e-mail no Slack user has as pending, and load the rest",
    )
    post = commands.add_parser("post", help="post agenda items to the meeting channel")
    post.add_argument("numbers", nargs="*", type=int, metavar="N")
    post.add_argument("--meeting", help="meeting key (needed when several are loaded)")
    export = commands.add_parser("export", help="write the meeting record")
    export.add_argument("--format", choices=["csv", "md", "html", "xlsx"], default="csv")
    export.add_argument("--out", type=Path, required=True)
    export.add_argument("--meeting", help="meeting key (needed when several are loaded)")
    export.add_argument(
        "--lang",
        metavar="LANG",
        help="the record's language, one of the meeting's (default: its main language); "
        "the CSV is the same in every language (its columns and values are the contract)",
    )
    roster = commands.add_parser("roster", help="a meeting's roster from or to a spreadsheet")
    roster_commands = roster.add_subparsers(dest="roster_command", required=True, metavar="ACTION")
    roster_import = roster_commands.add_parser(
        "import",
        help="replace the roster with a CSV or XLSX file's (delegation, kind, name, email, "
        "slack_id, language)",
    )
    roster_import.add_argument("file", type=Path)
    roster_import.add_argument("--meeting", help="meeting key (needed when several are loaded)")
    roster_import.add_argument(
        "--dry-run", action="store_true", help="say what would change and write nothing"
    )
    roster_import.add_argument(
        "--allow-unresolved",
        action="store_true",
        help="keep people whose e-mail no Slack user has as pending, and import the rest",
    )
    roster_export = roster_commands.add_parser(
        "export", help="write the roster as CSV or XLSX (by the extension of --out)"
    )
    roster_export.add_argument("--meeting", help="meeting key (needed when several are loaded)")
    roster_export.add_argument("--out", type=Path, required=True)
    demo = commands.add_parser("demo", help="a whole meeting against the local Slack stand-in")
    demo.add_argument("--out", type=Path, default=Path("demo-output"), help="output folder")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    try:
        if args.command == "demo":
            from bot.demo.run import run_demo  # the demo pulls in the stand-in; keep it out of prod

            return run_demo(out_dir=args.out)
        settings = load_settings()
        configure_logging(secrets=settings.secrets())  # now that the secrets are known
        configure_claims(settings.claim_timeout)  # every command that sends claims with it
        handler = {
            "run": cmd_run,
            "web": cmd_web,
            "clock": cmd_clock,
            "migrate": cmd_migrate,
            "load": cmd_load,
            "post": cmd_post,
            "export": cmd_export,
            "roster": cmd_roster,
        }[args.command]
        return handler(settings, args)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except MeetingNotFound as exc:
        print(f"error: {meeting_not_found_text(exc)}", file=sys.stderr)
        return 2
    except SchemaError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


def _database(settings: Settings, *, migrate_schema: bool = True) -> Database:
    """The database, migrated first (run, load, post, export), or checked to be current (web,
    clock: several processes of a release must not race to migrate; the release step does)."""
    engine = make_engine(settings.database_url)
    if migrate_schema:
        migrate(engine)
    elif (behind := pending(engine)) is not None:
        raise ConfigError(behind)
    return Database(engine)


def cmd_migrate(settings: Settings, args: argparse.Namespace) -> int:
    engine = make_engine(settings.database_url)
    before = current_revision(engine)
    migrate(engine)
    after = current_revision(engine)
    if before == after:
        print(f"database already at revision {after}: nothing to do")
    else:
        print(f"database migrated from {before or 'empty'} to revision {after}")
    return 0


def email_lookup(client: WebClient) -> Callable[[str], str | None]:
    """users.lookupByEmail as the meeting file and the roster need it: the user id, or None
    when no member of the workspace has the e-mail (a delegate of another organisation's)."""

    def lookup_email(email: str) -> str | None:
        try:
            return str(client.users_lookupByEmail(email=email)["user"]["id"])
        except SlackApiError as exc:
            if exc.response.get("error") == "users_not_found":
                return None
            raise ConfigError(
                f"Slack refused users.lookupByEmail ({exc.response.get('error')}); "
                "the app needs the users:read.email scope and a valid SLACK_BOT_TOKEN."
            ) from None

    return lookup_email


def cmd_load(settings: Settings, args: argparse.Namespace) -> int:
    client = make_client(settings) if settings.slack_bot_token else None

    allow_unresolved = bool(getattr(args, "allow_unresolved", False))
    try:
        spec = read_meeting_file(
            args.file, email_lookup(client) if client else None, allow_unresolved=allow_unresolved
        )
    except MeetingFileError as exc:
        print("\n".join(exc.errors), file=sys.stderr)
        if exc.unresolved:
            print(
                f"{args.file}: {len(exc.unresolved)} e-mail(s) no Slack user has (a delegate "
                "from another workspace, or a typo); to load the rest and keep those entries "
                "pending, load again with --allow-unresolved.",
                file=sys.stderr,
            )
        print(f"{args.file}: nothing was loaded; fix the problems above.", file=sys.stderr)
        return 2
    for warning in spec.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    database = _database(settings)
    with session_scope(database.engine) as session:
        result = load_meeting(session, spec=spec, now=utcnow())
        meeting_id = result.meeting.id
        assert meeting_id is not None
        unnamed = set(profiles_wanted(session, meeting_id=meeting_id))
        everyone = people_wanted(session, meeting_id=meeting_id)
    renamed: list[str] = []
    check = check_membership(client, spec.channel) if client is not None else None
    if client is not None and check is not None:
        # Names and locales are read here, at load, and stored: replying to a comment never
        # asks Slack.  One users.info per person gives both; one conversations.info gives both
        # the channel's name and whether the bot is in it.
        found = slack_profiles(client, everyone)
        channel_name = check.name if check.name != spec.channel else None
        with session_scope(database.engine) as session:
            renamed = update_names(
                session,
                meeting_id=meeting_id,
                profiles={user: person.name for user, person in found.items() if user in unnamed},
                channel_name=channel_name,
                now=utcnow(),
            )
            update_locales(
                session,
                meeting_id=meeting_id,
                locales={user: person.locale for user, person in found.items()},
                now=utcnow(),
            )
    with session_scope(database.engine) as session:
        counts = language_counts(session, meeting_id=meeting_id)
        waiting = [
            (entry.email, entry.role, delegation.name if delegation is not None else None)
            for entry in pending_people(session, meeting_id=meeting_id)
            for delegation in [
                session.get(Delegation, entry.delegation_id) if entry.delegation_id else None
            ]
        ]
    people = (
        sum(len(d.delegates) for d in spec.delegations) + len(spec.chair) + len(spec.secretariat)
    )
    if result.unchanged:
        print(f"{spec.key}: unchanged (the file matches what is loaded)")
    else:
        verb = "created" if result.created else "updated"
        print(
            f"{spec.key}: {verb}: {len(spec.agenda)} items, {len(spec.delegations)} delegations, "
            f"{people} participants"
        )
        if not result.created:
            for change in result.changes:
                print(f"  {change}")
    if renamed:
        print(f"  names from Slack: {len(renamed)} new or changed")
    if waiting:
        print(
            f"  pending, no Slack user has the e-mail yet: {len(waiting)} (matched when a load "
            "finds them, or when their request to join is approved)"
        )
        for email, role, delegation_name in waiting:
            print(f"    {email}: {role}" + (f" of {delegation_name}" if delegation_name else ""))
    print("  people by language: " + ", ".join(f"{lang} {n}" for lang, n in counts.items()))
    spoken = available_languages()
    for language in spec.languages:
        if language not in spoken:
            print(
                f"warning: Docket has no messages in {language!r}: its readers get the meeting "
                f"file's texts in {language} and Docket's own words in English",
                file=sys.stderr,
            )
    if check is not None:  # a warning, not a failure: the meeting is loaded either way
        problem = membership_text(member=check.member, name=check.name, error=check.error)
        if problem is not None:
            print(f"warning: {problem}", file=sys.stderr)
    return 0


@dataclass(frozen=True)
class SlackPerson:
    """What a load reads of a person in Slack (users.info): their profile name and locale."""

    name: str | None
    locale: str | None


def slack_profiles(client: WebClient, user_ids: Sequence[str]) -> dict[str, SlackPerson]:
    """Each person's Slack profile name and locale (one users.info each, include_locale).  What
    Slack will not give is None and is logged (after an error that is not about the one user, no
    more are asked): the record then shows that person by name as last stored, else by user id,
    they read the language last stored, and the load goes on."""
    profiles: dict[str, SlackPerson] = {}
    for user_id in user_ids:
        try:
            user = client.users_info(user=user_id, include_locale=True)["user"]
        except SlackApiError as exc:
            error = exc.response.get("error")
            log.warning("users.info %s: %s", user_id, error)
            if error != "user_not_found":  # a scope or token problem: every call would fail
                break
            profiles[user_id] = SlackPerson(None, None)
            continue
        locale = user.get("locale")
        profiles[user_id] = SlackPerson(
            profile_name(user), locale if isinstance(locale, str) and locale else None
        )
    return profiles


def cmd_post(settings: Settings, args: argparse.Namespace) -> int:
    from bot.clock.posting import post_items

    settings.require("SLACK_BOT_TOKEN")
    database = _database(settings)
    client = make_client(settings)
    with session_scope(database.engine, read_only=True) as session:
        channel = find_meeting(session, args.meeting).channel
    check = check_membership(client, channel)
    problem = membership_text(member=check.member, name=check.name, error=check.error)
    if check.member is False:  # Slack would refuse every post: say why, post nothing
        print(f"error: {problem}; nothing was posted.", file=sys.stderr)
        return 1
    if problem is not None:
        print(f"warning: {problem}", file=sys.stderr)
    results = post_items(
        database.engine,
        client,
        meeting_key=args.meeting,
        numbers=args.numbers or None,
        now=utcnow(),
    )
    if not results:
        print("nothing to post: every item whose opening has come is posted")
    for result in results:
        print(f"item {result.number}: {result.outcome.replace('_', ' ')} {result.detail}".rstrip())
    return 1 if any(r.outcome in ("failed", "unknown") for r in results) else 0


def cmd_export(settings: Settings, args: argparse.Namespace) -> int:
    from bot.domain.languages import meeting_languages
    from bot.domain.record_texts import record_texts
    from bot.domain.summary import build_summary
    from bot.record.export import write_record
    from bot.views.i18n import speaking

    database = _database(settings)
    with session_scope(database.engine, read_only=True) as session:
        meeting = find_meeting(session, args.meeting)
        assert meeting.id is not None
        languages = meeting_languages(meeting)
        language = args.lang or languages[0]
        if language not in languages:
            print(
                f"error: --lang {language}: {meeting.key} is held in {', '.join(languages)}; "
                "export its record in one of those languages.",
                file=sys.stderr,
            )
            return 2
        if args.format == "csv":
            rows = comment_rows(session, meeting_id=meeting.id)
        else:
            summary = build_summary(session, meeting_id=meeting.id, now=utcnow())
            texts = record_texts(session, meeting_id=meeting.id)
    if args.format == "csv":  # the contract's columns and stored values, in every language
        write_csv(rows, args.out)
        print(f"{meeting.key}: wrote {len(rows)} comments to {args.out}")
        return 0
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with speaking(language):
        write_record(summary, args.format, args.out, texts=texts)
    figures = summary.figures
    print(
        f"{meeting.key}: wrote the summary record ({figures.comments} comments, "
        f"{figures.withdrawn} withdrawn) to {args.out}"
    )
    return 0


def cmd_roster(settings: Settings, args: argparse.Namespace) -> int:
    if args.roster_command == "export":
        return cmd_roster_export(settings, args)
    return cmd_roster_import(settings, args)


def cmd_roster_import(settings: Settings, args: argparse.Namespace) -> int:
    """The whole file is checked (and its e-mails looked up) before anything is written: every
    problem is printed, and then nothing is imported.  --dry-run prints what would change."""
    from bot.domain.languages import meeting_languages

    database = _database(settings)
    with session_scope(database.engine, read_only=True) as session:
        meeting = find_meeting(session, args.meeting)
        assert meeting.id is not None
        meeting_id, key, languages = meeting.id, meeting.key, meeting_languages(meeting)
        known = known_emails(session, meeting_id=meeting_id)
    parsed = read_roster(args.file, languages=languages)
    client = make_client(settings) if settings.slack_bot_token else None

    rows, unresolved = resolve_emails(
        parsed.rows,
        email_lookup(client) if client is not None else None,
        allow_unresolved=args.allow_unresolved,
        known=known,  # e-mails the meeting knows already: no need to ask Slack again
    )
    columns = {name: index for index, name in enumerate(ROSTER_COLUMNS)}
    problems = sorted(  # in the file's order: by row, then by column
        (*parsed.problems, *unresolved),
        key=lambda p: (p.row is None, p.row or 0, columns.get(p.column or "", -1)),
    )
    if problems:
        for problem in problems:
            print(roster_problem_text(problem, args.file), file=sys.stderr)
        print(f"{args.file}: nothing was imported; fix the problems above.", file=sys.stderr)
        return 1
    if args.dry_run:
        with session_scope(database.engine, read_only=True) as session:
            diff = plan_roster(session, meeting_id=meeting_id, rows=rows)
    else:
        with session_scope(database.engine) as session:
            diff = import_roster(session, meeting_id=meeting_id, rows=rows, now=utcnow())
    if diff.unchanged:
        print(f"{key}: no changes (the roster already matches {args.file})")
        return 0
    if args.dry_run:
        print(f"{key}: dry run, nothing written; importing {args.file} would change:")
    else:
        print(f"{key}: roster imported from {args.file}:")
    for line in roster_diff_lines(diff):
        print(f"  {line}")
    added = [c.user_id for c in diff.people if c.change == "added" and c.user_id]
    if not args.dry_run and client is not None and added:
        # As at load: names and locales are read now and stored, never on the reply path.
        with session_scope(database.engine, read_only=True) as session:
            unnamed = set(profiles_wanted(session, meeting_id=meeting_id))
        found = slack_profiles(client, added)
        with session_scope(database.engine) as session:
            update_names(
                session,
                meeting_id=meeting_id,
                profiles={user: person.name for user, person in found.items() if user in unnamed},
                now=utcnow(),
            )
            update_locales(
                session,
                meeting_id=meeting_id,
                locales={user: person.locale for user, person in found.items()},
                now=utcnow(),
            )
    return 0


def roster_diff_lines(diff: RosterDiff) -> list[str]:
    """What a roster import changes, in words: the counts, then each change."""

    def counts(what: Literal["delegations", "people"]) -> str:
        found = [f"{diff.count(what, c)} {c}" for c in ("added", "changed", "retired")]
        return f"{what}: {', '.join(found)}"

    lines = [f"{counts('delegations')}; {counts('people')}"]
    for d in diff.delegations:
        match d.change:
            case "added":
                lines.append(f"added delegation {d.name} ({d.kind})")
            case "changed":
                lines.append(f"changed delegation {d.name}: {', '.join(d.fields)} ({d.kind})")
            case "retired":
                lines.append(f"retired delegation {d.name} (its comments are kept)")
    if diff.reordered:
        lines.append("delegations in a new order")
    for p in diff.people:
        who = p.user_id or f"{p.email} (pending: no Slack user has this e-mail yet)"
        if p.user_id and p.name:
            who += f" ({p.name})"
        seat = p.role + (f" of {p.delegation}" if p.delegation else "")
        match p.change:
            case "added":
                lines.append(f"added {who} as {seat}")
            case "changed":
                lines.append(f"changed {who}: {', '.join(p.fields)} (now {seat})")
            case "retired":
                lines.append(f"retired {who} from the roster (comments kept)")
            case "matched":
                lines.append(f"matched pending {p.email}: {p.user_id} (found by this file)")
    return lines


def roster_problem_text(problem: RosterProblem, path: Path) -> str:
    """One problem of a roster file, saying where: "row 7, column email: ..."."""
    columns = "delegation, kind, name, email, slack_id, language"
    if problem.row is not None and problem.column is not None:
        where = f"row {problem.row}, column {problem.column}: "
    elif problem.row is not None:
        where = f"row {problem.row}: "
    elif problem.column is not None:
        where = f"column {problem.column}: "
    else:
        where = f"{path}: "
    kinds = "member, observer, chair or secretariat"
    value, other = problem.value, problem.other_row
    match problem.code:
        case "unsupported_type":
            what = f"a roster is a .csv or .xlsx file, not {value or 'a file without extension'}"
        case "unreadable":
            what = f"cannot read the file ({value})"
        case "not_utf8":
            what = "the file is not UTF-8 text; save it as CSV UTF-8, or as .xlsx"
        case "not_csv":
            what = f"cannot be read as CSV ({value})"
        case "not_a_workbook":
            what = "not an Excel workbook (.xlsx) that can be read"
        case "empty_file":
            what = f"no header row; expected the columns {columns}"
        case "missing_column":
            what = f"missing header; the columns are {columns} (in any order and case)"
        case "missing_person_column":
            what = "no column email nor slack_id; each person is given by one or both"
        case "duplicate_column":
            what = f"a second column headed {value!r}; keep one"
        case "no_rows":
            what = "the file lists no one; expected one row per person under the header"
        case "required" if problem.column == "kind":
            what = f"empty; expected {kinds}"
        case "required":
            what = "empty; a member or an observer belongs to a delegation"
        case "unknown_kind":
            what = f"{value!r} is not a kind; expected {kinds}"
        case "reserved_delegation":
            what = f"{value!r} is reserved for the chair and the secretariat (their kind)"
        case "role_delegation":
            expected = problem.expected[0] if problem.expected else ""
            what = (
                f"{value!r} for the {expected.lower()}; expected the delegation empty, "
                f"or {expected}"
            )
        case "no_person":
            what = "empty; expected an e-mail address or a Slack user id (slack_id) for each person"
        case "bad_email":
            what = f"not an e-mail address ({value!r})"
        case "bad_slack_id":
            what = (
                f"not a Slack user id ({value!r}); expected U or W, then capitals and digits, "
                "like U0123ABCD"
            )
        case "unknown_language":
            what = (
                f"{value!r} is not a language of this meeting; expected "
                f"{', '.join(problem.expected)}, or empty"
            )
        case "kind_conflict":
            what = f"the same delegation is {value} at row {other}; a delegation has one kind"
        case "spelling_conflict":
            what = f"the same delegation is written {value!r} at row {other}; write it one way"
        case "duplicate_person":
            what = f"{value} is already listed at row {other}; one row per person"
        case "no_chair":
            what = "no one is the chair; expected a row of kind chair"
        case "no_secretariat":
            what = "no one is of the secretariat; expected a row of kind secretariat"
        case "no_lookup":
            what = f"{value} must be looked up in Slack: set SLACK_BOT_TOKEN, or give the slack_id"
        case "not_found":
            what = (
                f"no Slack user has the e-mail {value} (users.lookupByEmail); give the slack_id, "
                "or import with --allow-unresolved to keep them pending"
            )
    return where + what


def cmd_roster_export(settings: Settings, args: argparse.Namespace) -> int:
    if args.out.suffix.lower() not in (".csv", ".xlsx"):
        print(
            f"error: {args.out}: the roster is written as .csv or .xlsx, chosen by the extension "
            "of --out",
            file=sys.stderr,
        )
        return 2
    database = _database(settings)
    with session_scope(database.engine, read_only=True) as session:
        meeting = find_meeting(session, args.meeting)
        assert meeting.id is not None
        rows = roster_rows(session, meeting_id=meeting.id)
    write_roster(rows, args.out)
    people = sum(1 for row in rows if row.person)
    delegations = len({row.delegation for row in rows if row.delegation is not None})
    print(
        f"{meeting.key}: wrote the roster ({people} people, {delegations} delegations) "
        f"to {args.out}"
    )
    return 0


def cmd_run(settings: Settings, args: argparse.Namespace) -> int:
    from bot.app import build_app, serve_locally
    from bot.clock.scheduler import start_clock_thread

    database = _database(settings)
    client = make_client(settings)
    if settings.slack_app_token:
        from bot.slack.socket_mode import serve_socket_mode

        app = build_app(settings, database, client=client, socket_mode=True)
        start_clock_thread(
            database.engine, Outbound(client), retry_seconds=settings.clock_standby_seconds
        )
        log.info(
            "Docket running in Socket Mode with the scheduler; health on port %s (/healthz)",
            settings.port,
        )
        serve_socket_mode(app, settings.slack_app_token, database=database, port=settings.port)
        return 0
    server = serve_locally(settings, database, host="0.0.0.0", port=settings.port, client=client)
    start_clock_thread(
        database.engine, Outbound(client), retry_seconds=settings.clock_standby_seconds
    )
    log.info("Docket listening on %s/slack/events with the scheduler", server.url)
    server.serve_forever()
    return 0


def cmd_web(settings: Settings, args: argparse.Namespace) -> int:
    import os

    settings.require("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET")
    _database(settings, migrate_schema=False)  # refuse to start on a database that is behind
    port = str(settings.port)
    workers = os.environ.get("WEB_CONCURRENCY", "2")
    os.execvp(  # replace this process with gunicorn: signals and exit codes are its own
        sys.executable,
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--bind",
            f"0.0.0.0:{port}",
            "--workers",
            workers,
            "--threads",
            "16",
            "--timeout",
            "30",
            "bot.app:create_app()",
        ],
    )


def cmd_clock(settings: Settings, args: argparse.Namespace) -> int:
    from bot.clock.scheduler import run_clock_forever

    settings.require("SLACK_BOT_TOKEN")
    database = _database(settings, migrate_schema=False)
    log.info("Docket clock running (one leads, a standby may wait beside it)")
    out = Outbound(make_client(settings))
    run_clock_forever(database.engine, out, retry_seconds=settings.clock_standby_seconds)
    return 0
