"""`python -m bot COMMAND`: run the bot, load a meeting, post items, export the record, demo.

Exit codes: 0 done, 1 the command ran but something failed (e.g. Slack refused a post),
2 bad input or configuration (the message says what to fix).
"""

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.core.clock import utcnow
from bot.core.config import ConfigError, Settings, load_settings
from bot.core.db import Database, make_engine, session_scope
from bot.core.logs import configure_logging
from bot.core.schema import SchemaError, current_revision, migrate, pending
from bot.domain.meetings import (
    MeetingNotFound,
    find_meeting,
    load_meeting,
    profile_name,
    profiles_wanted,
    update_names,
)
from bot.domain.record_rows import comment_rows
from bot.parse.meeting_file import MeetingFileError, read_meeting_file
from bot.record.csv import write_csv
from bot.slack.api import Outbound, check_membership, make_client
from bot.views.failures import membership_text
from bot.views.notices import meeting_not_found_text

log = logging.getLogger("docket")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    commands.add_parser("run", help="the whole bot in one process, scheduler included")
    commands.add_parser("web", help="HTTP only (gunicorn), for a scaled deployment")
    commands.add_parser("clock", help="the scheduler only; run exactly one")
    commands.add_parser("migrate", help="bring the database schema up to date (release step)")
    load = commands.add_parser("load", help="create or update a meeting from a meeting file")
    load.add_argument("file", type=Path)
    post = commands.add_parser("post", help="post agenda items to the meeting channel")
    post.add_argument("numbers", nargs="*", type=int, metavar="N")
    post.add_argument("--meeting", help="meeting key (needed when several are loaded)")
    export = commands.add_parser("export", help="write the meeting record")
    export.add_argument("--format", choices=["csv", "md", "html", "xlsx"], default="csv")
    export.add_argument("--out", type=Path, required=True)
    export.add_argument("--meeting", help="meeting key (needed when several are loaded)")
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
        handler = {
            "run": cmd_run,
            "web": cmd_web,
            "clock": cmd_clock,
            "migrate": cmd_migrate,
            "load": cmd_load,
            "post": cmd_post,
            "export": cmd_export,
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


def cmd_load(settings: Settings, args: argparse.Namespace) -> int:
    client = make_client(settings) if settings.slack_bot_token else None

    def lookup_email(email: str) -> str | None:
        assert client is not None
        try:
            return str(client.users_lookupByEmail(email=email)["user"]["id"])
        except SlackApiError as exc:
            if exc.response.get("error") == "users_not_found":
                return None
            raise ConfigError(
                f"Slack refused users.lookupByEmail ({exc.response.get('error')}); "
                "the app needs the users:read.email scope and a valid SLACK_BOT_TOKEN."
            ) from None

    try:
        spec = read_meeting_file(args.file, lookup_email if client else None)
    except MeetingFileError as exc:
        print("\n".join(exc.errors), file=sys.stderr)
        print(f"{args.file}: nothing was loaded; fix the problems above.", file=sys.stderr)
        return 2
    for warning in spec.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    database = _database(settings)
    with session_scope(database.engine) as session:
        result = load_meeting(session, spec=spec, now=utcnow())
        meeting_id = result.meeting.id
        assert meeting_id is not None
        wanted = profiles_wanted(session, meeting_id=meeting_id)
    renamed: list[str] = []
    check = check_membership(client, spec.channel) if client is not None else None
    if client is not None and check is not None:
        # Names are read here, at load, and stored: replying to a comment never asks Slack.
        # One conversations.info gives both the channel's name and whether the bot is in it.
        profiles = slack_profiles(client, wanted)
        channel_name = check.name if check.name != spec.channel else None
        with session_scope(database.engine) as session:
            renamed = update_names(
                session,
                meeting_id=meeting_id,
                profiles=profiles,
                channel_name=channel_name,
                now=utcnow(),
            )
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
    if check is not None:  # a warning, not a failure: the meeting is loaded either way
        problem = membership_text(member=check.member, name=check.name, error=check.error)
        if problem is not None:
            print(f"warning: {problem}", file=sys.stderr)
    return 0


def slack_profiles(client: WebClient, user_ids: Sequence[str]) -> dict[str, str | None]:
    """Each person's Slack profile name (users.info).  A name Slack will not give is None and
    is logged (after an error that is not about the one user, no more are asked): the record
    then shows that person by name as last stored, else by user id, and the load goes on."""
    profiles: dict[str, str | None] = {}
    for user_id in user_ids:
        try:
            profiles[user_id] = profile_name(client.users_info(user=user_id)["user"])
        except SlackApiError as exc:
            error = exc.response.get("error")
            log.warning("users.info %s: %s", user_id, error)
            if error != "user_not_found":  # a scope or token problem: every call would fail
                break
            profiles[user_id] = None
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
    from bot.domain.summary import build_summary
    from bot.record.charts import render_charts
    from bot.record.html import write_html
    from bot.record.markdown import write_markdown
    from bot.record.xlsx import write_xlsx

    database = _database(settings)
    with session_scope(database.engine, read_only=True) as session:
        meeting = find_meeting(session, args.meeting)
        assert meeting.id is not None
        if args.format == "csv":
            rows = comment_rows(session, meeting_id=meeting.id)
        else:
            summary = build_summary(session, meeting_id=meeting.id, now=utcnow())
    if args.format == "csv":
        write_csv(rows, args.out)
        print(f"{meeting.key}: wrote {len(rows)} comments to {args.out}")
        return 0
    args.out.parent.mkdir(parents=True, exist_ok=True)
    if args.format == "md":
        write_markdown(summary, args.out)
    elif args.format == "html":
        write_html(summary, args.out, render_charts(summary))
    else:
        write_xlsx(summary, args.out)
    figures = summary.figures
    print(
        f"{meeting.key}: wrote the summary record ({figures.comments} comments, "
        f"{figures.withdrawn} withdrawn) to {args.out}"
    )
    return 0


def cmd_run(settings: Settings, args: argparse.Namespace) -> int:
    from bot.app import build_app, serve_locally
    from bot.clock.scheduler import start_background_clock

    database = _database(settings)
    client = make_client(settings)
    if settings.slack_app_token:
        from bot.slack.socket_mode import serve_socket_mode

        app = build_app(settings, database, client=client, socket_mode=True)
        start_background_clock(database.engine, Outbound(client))
        log.info("Docket running in Socket Mode with the scheduler")
        serve_socket_mode(app, settings.slack_app_token)
        return 0
    server = serve_locally(settings, database, host="0.0.0.0", port=settings.port, client=client)
    start_background_clock(database.engine, Outbound(client))
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
            "8",
            "--timeout",
            "30",
            "bot.app:create_app()",
        ],
    )


def cmd_clock(settings: Settings, args: argparse.Namespace) -> int:
    from bot.clock.scheduler import run_clock_forever

    settings.require("SLACK_BOT_TOKEN")
    database = _database(settings, migrate_schema=False)
    log.info("Docket clock running (one per deployment)")
    run_clock_forever(database.engine, Outbound(make_client(settings)))
    return 0
