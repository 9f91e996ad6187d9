"""`python -m bot demo`: a whole written session, offline, through the real parts.

It starts the local Slack stand-in, loads examples/ptc-2020.yaml (e-mail delegates looked up
in the stand-in), serves the real Bolt app over HTTP, posts each item when its opening comes,
replays the deterministic conversation of `bot.demo.script` as signed Slack requests (edits,
deletions, redeliveries and unregistered replies among them), has the chair decide with
/approve, writes the CSV record and prints the figures.  Time is simulated: the stand-in and
the app both run on the script's 2020 clock, so late replies are late as they were then.
"""

import logging
import secrets
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import func
from sqlmodel import Session, col, select

from bot.app import serve_locally
from bot.clock.scheduler import next_due_at, run_due
from bot.core.clock import datetime_to_ts
from bot.core.config import Settings
from bot.core.db import Database, make_engine, session_scope
from bot.core.executor import DrainableExecutor
from bot.core.schema import migrate
from bot.demo.enrolment import (
    ENROLLING,
    ENROLLING_TEAM,
    EnrolmentResult,
    play_enrolment,
)
from bot.demo.enrolment import NAME as ENROLLING_NAME
from bot.demo.script import (
    Concern,
    Decide,
    Delete,
    Edit,
    Group,
    GroupPost,
    Object,
    Redeliver,
    Reply,
    Revise,
    Silence,
    Step,
    Stranger,
    build_script,
    summary_counts,
)
from bot.demo.standin import Delivery, SlackSender, SlackStandIn
from bot.demo.tour import Posted, TourResult, play_tour
from bot.domain.decisions import items_awaiting_decision
from bot.domain.group_record import GroupEntry
from bot.domain.items import current_decision
from bot.domain.languages import meeting_languages, participant_language
from bot.domain.meetings import (
    find_meeting,
    list_items,
    load_meeting,
    people_wanted,
    profile_name,
    profiles_wanted,
    update_locales,
    update_names,
)
from bot.domain.record_rows import comment_rows
from bot.domain.record_texts import record_texts
from bot.domain.roster import known_emails, plan_roster, roster_rows
from bot.domain.summary import SummaryFigures, build_summary
from bot.parse.meeting_file import read_meeting_file
from bot.parse.roster import read_roster, resolve_emails
from bot.record.csv import write_csv
from bot.record.export import write_all
from bot.record.roster import write_roster
from bot.slack.api import ChannelPacer, Outbound, make_client
from bot.views.forms import OUTCOME_ACTION, OUTCOME_BLOCK, TEXT_ACTION, TEXT_BLOCK
from bot.views.i18n import speaking
from bot.views.revisions import CODE_BLOCK, NOTE_BLOCK, TITLE_BLOCK, UNTIL_BLOCK, URL_BLOCK, VALUE
from models import (
    AgendaItem,
    Comment,
    DraftingGroup,
    Meeting,
    Participant,
    RevisedDocument,
    SilenceProcedure,
)
from models import Delivery as Scheduled

EXAMPLE = Path(__file__).resolve().parent / "data" / "ptc-2020.yaml"  # ships in the wheel
KIND_WORDS = {"approve": "", "note": "note", "defer": "defer"}


class _SimulatedClock:
    def __init__(self, start: float) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now


def run_demo(*, out_dir: Path, meeting_file: Path = EXAMPLE) -> int:
    started = time.monotonic()
    logging.getLogger().setLevel(logging.WARNING)  # the summary is the demo's output
    out_dir.mkdir(parents=True, exist_ok=True)
    db_path = out_dir / "docket-demo.db"
    for stale in out_dir.glob("docket-demo.db*"):
        stale.unlink()  # each run starts from an empty meeting
    raw: dict[str, Any] = yaml.safe_load(meeting_file.read_text(encoding="utf-8"))
    script = build_script(raw)
    clock = _SimulatedClock(0.0)  # set to the first opening once the file is read

    with SlackStandIn(clock=clock) as slack:
        emails = _register_email_users(slack, raw)
        slack.add_channel(str(raw["channel"]), name=str(raw["key"]))  # conversations.info's name
        secret = secrets.token_hex(16)
        settings = Settings(
            slack_bot_token=slack.token,
            slack_signing_secret=secret,
            slack_app_token=None,
            slack_api_url=slack.api_url,
            database_url=f"sqlite:///{db_path}",
            port=0,
        )
        engine = make_engine(settings.database_url)
        migrate(engine)
        client = make_client(settings)
        out = Outbound(client, ChannelPacer(interval=0))  # simulated time: no real pacing
        spec = read_meeting_file(
            meeting_file, lambda e: str(client.users_lookupByEmail(email=e)["user"]["id"])
        )
        slack.add_bot_to(spec.channel)  # the secretariat has typed `/invite @Docket` there
        # The secretariat loads the meeting an hour before the first item opens.
        first_opening = min((i.opens_at or i.deadline_at).timestamp() for i in spec.agenda)
        clock.now = first_opening - 3600

        def sim_now() -> datetime:
            return datetime.fromtimestamp(clock.now, UTC)

        with session_scope(engine) as session:
            loaded = load_meeting(session, spec=spec, now=sim_now())
            assert loaded.meeting.id is not None
            wanted = set(profiles_wanted(session, meeting_id=loaded.meeting.id))
            everyone = people_wanted(session, meeting_id=loaded.meeting.id)
        # As `python -m bot load` does: each person's name from their Slack profile and their
        # locale, the channel's name from conversations.info, read once here and stored.
        users = {u: client.users_info(user=u, include_locale=True)["user"] for u in everyone}
        profiles = {u: profile_name(user) for u, user in users.items() if u in wanted}
        channel_name = client.conversations_info(channel=spec.channel)["channel"].get("name")
        with session_scope(engine) as session:
            update_names(
                session,
                meeting_id=loaded.meeting.id,
                profiles=profiles,
                channel_name=channel_name,
                now=sim_now(),
            )
            update_locales(
                session,
                meeting_id=loaded.meeting.id,
                locales={u: user.get("locale") for u, user in users.items()},
                now=sim_now(),
            )
        executor = DrainableExecutor()
        database = Database(engine)
        server = serve_locally(
            settings, database, client=client, executor=executor, clock=sim_now
        ).start()
        sender = SlackSender(server.events_url, secret, slack=slack)
        slack.deliver_events_to(sender)  # the bot's own channel posts come back, as in Slack
        try:
            player = _Player(
                spec.key, spec.channel, spec.chair[0].user_id, emails, sender, slack, executor.drain
            )
            player.engine = engine
            player.secretary = spec.secretariat[0].user_id
            calendar = _Calendar(engine, out, clock, player)
            for step in script:
                at = step_time(step, clock.now)
                # Walk the calendar up to this step: items open, reminders, nudges, closings
                # and silence deadlines happen at their own moments on the simulated clock.
                calendar.run_until(datetime.fromtimestamp(at, UTC))
                clock.now = at
                player.play(step)
                executor.drain()
            # Buttons, shortcuts and the Home tab, once the replies are in.
            tour = play_tour(
                sender=sender,
                slack=slack,
                drain=executor.drain,
                channel=spec.channel,
                posted=player.posted(),
                chair=player.chair,
                secretariat=spec.secretariat[0].user_id,
            )
            player.deliveries += tour.requests
            player.failures += tour.failures
            # Run on until the last silence procedure has ended, then an hour more.
            calendar.run_until(_last_silence_deadline(engine) + timedelta(hours=1))
            # The secretariat closes the session: closing message, final digest and record.
            secretary = spec.secretariat[0].user_id
            closing = sender.command(
                command="/close", text="", user=secretary, channel=spec.channel
            )
            player.deliveries += 1
            if closing.status != 200:
                player.failures.append(f"/close answered {closing.status}")
            # The session's end is the one long task: the record in every language, and the
            # final digest with its charts for each secretariat member in theirs.  On a busy
            # machine it takes more than the 10 s a listener is otherwise given.
            executor.drain(timeout=120)
            slack.wait_for_events()
            player.failures += [
                f"its own post came back and was answered {echo.status}"
                for echo in slack.event_deliveries
                if echo.status != 200
            ]
        finally:
            server.stop()
            executor.shutdown(wait=True)
        record = out_dir / f"{spec.key}-record.csv"
        with session_scope(engine) as session:
            meeting = find_meeting(session, spec.key)
            assert meeting.id is not None
            write_csv(comment_rows(session, meeting_id=meeting.id), record)
            summary = build_summary(session, meeting_id=meeting.id, now=sim_now())
            figures = summary.figures
            decided = [
                (item.number, decision.kind)
                for item in list_items(session, meeting_id=meeting.id)
                if item.id is not None
                and (decision := current_decision(session, item_id=item.id)) is not None
            ]
            awaiting = [i.number for i in items_awaiting_decision(session, meeting_id=meeting.id)]
            calendar_line = _calendar_summary(session)
            languages_line = _languages_summary(session, meeting)
            revisions_line = _revisions_summary(session)
            texts = record_texts(session, meeting_id=meeting.id)
            languages = meeting_languages(meeting)
        written = write_all(summary, out_dir, f"{spec.key}-record")
        for language in languages[1:]:  # the record in the meeting's other languages too
            with speaking(language):
                written |= {
                    f"{language}:{name}": path
                    for name, path in write_all(
                        summary, out_dir, f"{spec.key}-record-{language}", texts=texts
                    ).items()
                }
        receipts = len(
            {
                c.params["timestamp"]
                for c in slack.calls_to("reactions.add")
                if c.params["channel"] == spec.channel  # formal comments; groups are apart
            }
        )
        uploads = len(slack.calls_to("files.completeUploadExternal"))
        notices = len(slack.calls_to("chat.postEphemeral"))
        roster_line, roster_kept = _roster_round_trip(engine, spec.key, out_dir)
        database.dispose()

    counts = summary_counts(script)
    _print_summary(spec.title, spec.key, figures, decided, awaiting, player, receipts, notices)
    print(
        f"  replayed as Slack sends them: {counts['redeliver']} redeliveries (recorded once), "
        f"{counts['edit']} edits, {counts['delete']} deletions, {counts['stranger']} strangers"
    )
    print(f"  languages: {languages_line}")
    print(f"  roster: {roster_line}")
    if player.enrolment is not None:
        print(f"  request to join: {player.enrolment.line()}")
    print(f"  calendar: {calendar_line}")
    print(f"  in Slack's own interface: {tour.line()}")
    print(f"  revised documents: {revisions_line}")
    for group in summary.groups:
        print(
            f"  drafting group “{group.name}” on item {group.item}: private channel "
            f"#{group.channel_name}, {len(group.members)} members invited, "
            f"{len(group.contributions)} messages recorded under the group"
        )
    print(f"  closed by the secretariat: final digest and record uploaded ({uploads} uploads)")
    print(f"  record: {record}")
    for path in written.values():
        print(f"          {path}")
    print(f"  database: {db_path}")
    print(f"  took {time.monotonic() - started:.1f} s")
    problems = _check(figures, player, tour, summary.groups, counts["grouppost"])
    if not roster_kept:
        problems.append(f"the exported roster does not import back unchanged: {roster_line}")
    for problem in problems:
        print(f"  CHECK FAILED: {problem}")
    return 1 if problems else 0


class _Calendar:
    """Runs the clock's heartbeat at each moment the calendar has something to do."""

    def __init__(
        self, engine: Any, out: Outbound, clock: _SimulatedClock, player: "_Player"
    ) -> None:
        self.engine, self.out, self.clock, self.player = engine, out, clock, player

    def run_until(self, limit: datetime) -> None:
        for _ in range(10_000):  # bounded: a calendar has far fewer moments than this
            now = datetime.fromtimestamp(self.clock.now, UTC)
            upcoming = next_due_at(self.engine, now=now)
            if upcoming is None or upcoming > limit:
                return
            self.clock.now = upcoming.timestamp()
            run_due(self.engine, self.out, now=upcoming)
            self.player.roots = _roots(self.engine, self.player.key)


def _last_silence_deadline(engine: Any) -> datetime:
    with session_scope(engine) as session:
        deadlines = list(session.exec(select(SilenceProcedure.deadline_at)))
    return max(deadlines, default=datetime.now(UTC))


def step_time(step: Step, current: float) -> float:
    at = getattr(step, "at", None)
    return at.timestamp() if at is not None else current


class _Player:
    """Turns script steps into signed Slack requests, remembering what each reply was."""

    def __init__(
        self,
        key: str,
        channel: str,
        chair: str,
        emails: dict[str, str],
        sender: SlackSender,
        slack: SlackStandIn,
        drain: Callable[[], None],
    ) -> None:
        self.key, self.channel, self.chair, self.emails = key, channel, chair, emails
        self.sender, self.slack, self.drain = sender, slack, drain
        self.roots: dict[int, str] = {}
        self.replies: dict[int, tuple[Delivery, Reply, str]] = {}  # ref -> first delivery, text now
        self.deleted: set[int] = set()  # refs of replies their authors deleted
        self.engine: Any = None  # set by run_demo: where the drafting group's channel is read
        self.group: tuple[str, str] | None = None  # the drafting group's channel and welcome ts
        self.group_posts: dict[int, str] = {}  # GroupPost ref -> its ts
        self.concerns = 0  # final concerns raised (replies too, in a revised document's window)
        self.enrolment: EnrolmentResult | None = None  # the stranger who asked to join
        self.secretary = ""
        self.deliveries = 0
        self.failures: list[str] = []

    def confirm_form(self) -> Delivery:
        view = self.slack.calls_to("views.open")[-1].params["view"]
        text_block = next(b for b in view["blocks"] if b.get("block_id") == TEXT_BLOCK)
        return self.sender.view_submission(
            callback_id=view["callback_id"],
            user=self.chair,
            private_metadata=view["private_metadata"],
            values={
                OUTCOME_BLOCK: {
                    OUTCOME_ACTION: {
                        "type": "radio_buttons",
                        "selected_option": {"value": "approved"},
                    }
                },
                TEXT_BLOCK: {
                    TEXT_ACTION: {
                        "type": "plain_text_input",
                        "value": text_block["element"]["initial_value"],
                    }
                },
            },
        )

    def revise(self, step: Revise) -> Delivery:
        """`/revise N` opens the form; the secretariat fills it in and publishes."""
        opened = self.sender.command(
            command="/revise", text=str(step.item), user=self.secretary, channel=self.channel
        )
        if opened.status != 200:
            return opened
        self.drain()
        view = self.slack.calls_to("views.open")[-1].params["view"]

        def text(value: str) -> dict[str, Any]:
            return {VALUE: {"type": "plain_text_input", "value": value}}

        return self.sender.view_submission(
            callback_id=view["callback_id"],
            user=self.secretary,
            private_metadata=view["private_metadata"],
            values={
                CODE_BLOCK: text(step.code),
                TITLE_BLOCK: text(step.title),
                URL_BLOCK: {VALUE: {"type": "url_text_input", "value": step.url}},
                NOTE_BLOCK: text(step.note),
                UNTIL_BLOCK: {
                    VALUE: {
                        "type": "datetimepicker",
                        "selected_date_time": int(step.until.timestamp()),
                    }
                },
            },
        )

    def user(self, name: str) -> str:
        return self.emails.get(name.lower(), name)

    def posted(self) -> list[Posted]:
        """The replies still standing (not deleted), as they were posted."""
        return [
            Posted(reply, self.user(reply.user), first.ts or "", self.roots[reply.item])
            for ref, (first, reply, _) in sorted(self.replies.items())
            if ref not in self.deleted
        ]

    def play(self, step: Step) -> None:
        if isinstance(step, Reply):
            delivery = self.sender.reply(
                channel=self.channel,
                user=self.user(step.user),
                text=step.text,
                thread_ts=self.roots[step.item],
                ts=datetime_to_ts(step.at),
            )
            self.replies[step.ref] = (delivery, step, step.text)
        elif isinstance(step, Edit):
            first, reply, current = self.replies[step.ref]
            delivery = self.sender.edit(
                channel=self.channel,
                user=self.user(reply.user),
                ts=first.ts or "",
                thread_ts=self.roots[reply.item],
                text=step.text,
                previous_text=current,
                edited_ts=datetime_to_ts(step.at),
            )
            self.replies[step.ref] = (first, reply, step.text)
        elif isinstance(step, Delete):
            first, reply, current = self.replies[step.ref]
            self.deleted.add(step.ref)
            delivery = self.sender.delete(
                channel=self.channel,
                ts=first.ts or "",
                thread_ts=self.roots[reply.item],
                user=self.user(reply.user),
                previous_text=current,
            )
        elif isinstance(step, Redeliver):
            first, reply, _ = self.replies[step.ref]
            if step.mode == "retry":
                delivery = self.sender.redeliver(first, retry_num=1, retry_reason="http_timeout")
            else:
                delivery = self.sender.reply(
                    channel=self.channel,
                    user=self.user(reply.user),
                    text=reply.text,
                    thread_ts=self.roots[reply.item],
                    ts=first.ts,
                )
        elif isinstance(step, Stranger):
            delivery = self.sender.reply(
                channel=self.channel,
                user=step.user,
                text=step.text,
                thread_ts=self.roots[step.item],
                ts=datetime_to_ts(step.at),
            )
            if step.user == ENROLLING and self.enrolment is None:
                # Not on the roster: offered to ask to join, and they do (bot/demo/enrolment.py).
                self.drain()
                self.enrolment = play_enrolment(
                    sender=self.sender,
                    slack=self.slack,
                    drain=self.drain,
                    channel=self.channel,
                    thread_ts=self.roots[step.item],
                    secretary=self.secretary,
                )
                self.deliveries += self.enrolment.requests
                self.failures += self.enrolment.failures
        elif isinstance(step, Revise):
            delivery = self.revise(step)
        elif isinstance(step, Concern):
            delivery = self.sender.reply(
                channel=self.channel,
                user=self.user(step.user),
                text=step.text,
                thread_ts=self.roots[step.item],
                ts=datetime_to_ts(step.at),
            )
            self.concerns += 1
        elif isinstance(step, Silence):
            words = [str(step.item), "silence", step.until.isoformat(), step.text or ""]
            delivery = self.sender.command(
                command="/approve",
                text=" ".join(w for w in words if w),
                user=self.chair,
                channel=self.channel,
            )
        elif isinstance(step, Object):
            delivery = self.sender.command(
                command="/object",
                text=f"{step.item} {step.reason}",
                user=self.user(step.user),
                channel=self.channel,
            )
        elif isinstance(step, Group):
            mentions = " ".join(f"<@{self.user(m)}|{self.user(m).lower()}>" for m in step.members)
            delivery = self.sender.command(
                command="/group",
                text=f'{step.item} "{step.name}" {mentions} {step.purpose}',
                user=self.user(step.by),
                channel=self.channel,
            )
            self.drain()  # the channel is created after the acknowledgement
            self.group = _group_channel(self.engine, step.name)
        elif isinstance(step, GroupPost):
            if self.group is None:
                self.failures.append("a drafting group message before its group was set up")
                return
            channel, welcome = self.group
            ts = datetime_to_ts(step.at)
            user = self.user(step.user)
            if step.reply_to is None:
                delivery = self.sender.post(channel=channel, user=user, text=step.text, ts=ts)
            else:
                thread = welcome if step.reply_to < 0 else self.group_posts[step.reply_to]
                delivery = self.sender.reply(
                    channel=channel, user=user, text=step.text, thread_ts=thread, ts=ts
                )
            self.group_posts[step.ref] = ts
        elif isinstance(step, Decide):
            words = [str(step.item), KIND_WORDS[step.kind], step.text or ""]
            delivery = self.sender.command(
                command="/approve",
                text=" ".join(w for w in words if w),
                user=self.chair,
                channel=self.channel,
            )
            if step.kind == "approve" and step.text is None:
                # `/approve N` alone opens the decision form: the chair confirms the proposal.
                self.drain()
                delivery = self.confirm_form()
        self.deliveries += 1
        if delivery.status != 200:
            self.failures.append(f"{type(step).__name__} answered {delivery.status}")


def _group_channel(engine: Any, name: str) -> tuple[str, str] | None:
    """The drafting group's private channel and its welcome message, once set up."""
    with session_scope(engine) as session:
        group = session.exec(select(DraftingGroup).where(DraftingGroup.name == name)).first()
    if group is None or group.channel is None or group.welcome_ts is None:
        return None
    return group.channel, group.welcome_ts


# Invented names for the stand-in's profiles (users.info): every person in the demo is made up.
_GIVEN = (
    "Alex", "Sam", "Robin", "Noor", "Kim", "Jordan", "Ana", "Lee", "Maya", "Tomas",
    "Ines", "Omar", "Lena", "Yuki", "Amara", "Piet", "Sofia", "Ravi", "Elif", "Kofi",
)  # fmt: skip
_FAMILY = (
    "Adler", "Banda", "Castro", "Dahl", "Evans", "Farah", "Gomez", "Haas", "Ito", "Jensen",
    "Kaur", "Lund", "Mensah", "Novak", "Okafor", "Park", "Quinn", "Rossi", "Silva", "Tanaka",
)  # fmt: skip


def _invented_name(index: int) -> str:
    """A distinct made-up name for each index below 400."""
    return f"{_GIVEN[index % 20]} {_FAMILY[(index // 20 + index) % 20]}"


def _register_email_users(slack: SlackStandIn, raw: dict[str, Any]) -> dict[str, str]:
    """The stand-in workspace knows the people the file names: by e-mail (looked up) and by
    user id, each with a profile name the loader reads with users.info."""
    emails: dict[str, str] = {}
    people = [*(raw.get("chair") or []), *(raw.get("secretariat") or [])]
    for delegation in raw.get("delegations") or []:
        people += delegation.get("delegates") or []
    for index, person in enumerate(str(p) for p in people):
        if "@" in person:
            user_id = f"U0EM{len(emails) + 1:05d}"
            name = " ".join(part.capitalize() for part in person.split("@")[0].split("."))
            slack.add_user(user_id, email=person, real_name=name)
            emails[person.lower()] = user_id
        else:
            slack.add_user(person, real_name=_invented_name(index), locale=_locale(person))
    # The person who asks to join (bot/demo/enrolment.py) is in the channel through Slack
    # Connect, from their own administration's workspace, with Slack set to French.
    slack.add_user(ENROLLING, real_name=ENROLLING_NAME, locale="fr-SN", team_id=ENROLLING_TEAM)
    return emails


# Slack locales of some people whose delegation the file gives no language: Swiss and Canadian
# delegates and one secretariat member whose Slack is set to French read Docket in French.
_FRENCH_LOCALES = {"U0CH": "fr-CH", "U0CA00002": "fr-CA", "U0SEC0002": "fr-FR"}


def _locale(user_id: str) -> str:
    return next((v for k, v in _FRENCH_LOCALES.items() if user_id.startswith(k)), "en-US")


def _roots(engine: Any, key: str) -> dict[int, str]:
    with session_scope(engine) as session:
        meeting = find_meeting(session, key)
        return {
            i.number: i.post_ts
            for i in list_items(session, meeting_id=meeting.id or 0)
            if i.post_ts
        }


def _print_summary(
    title: str,
    key: str,
    f: SummaryFigures,
    decided: list[tuple[int, str]],
    awaiting: list[int],
    player: _Player,
    receipts: int,
    notices: int,
) -> None:
    print(f"\nDocket demo: {title} ({key})")
    print(
        f"  participants: {f.registered} registered, {f.took_part} took part; delegations taking "
        f"part: {len(f.members_taking_part)}/{f.member_delegations} members, "
        f"{len(f.observers_taking_part)}/{f.observer_delegations} observers"
    )
    print(
        f"  comments: {f.comments} formal (members {f.by_kind['member']}, observers "
        f"{f.by_kind['observer']}, chair {f.by_kind['chair']}, secretariat "
        f"{f.by_kind['secretariat']}); {f.withdrawn} withdrawn, counted apart; {f.late} late"
    )
    print("  per item: " + ", ".join(f"{n}: {sum(c.values())}" for n, c in f.by_item.items()))
    print("  per week: " + ", ".join(f"{w}: {sum(c.values())}" for w, c in f.by_week.items()))
    print(
        f"  {player.deliveries} Slack requests replayed: {f.edited} edited comments (every "
        "version kept), "
        f"{f.kept_aside} unregistered replies kept aside ({notices} told privately), "
        f"receipts on {receipts} replies"
    )
    kinds: dict[str, list[str]] = {}
    for number, kind in decided:
        kinds.setdefault(kind, []).append(str(number))
    print(
        "  decisions: "
        + "; ".join(f"{kind} {', '.join(numbers)}" for kind, numbers in sorted(kinds.items()))
        + (f"; awaiting the chair: {', '.join(map(str, awaiting))}" if awaiting else "")
    )


def _roster_round_trip(engine: Any, key: str, out_dir: Path) -> tuple[str, bool]:
    """As `python -m bot roster export` then `roster import --dry-run` do: the roster written to
    a spreadsheet, read back and compared with the meeting's; importing it must change nothing."""
    path = out_dir / f"{key}-roster.xlsx"
    with session_scope(engine, read_only=True) as session:
        meeting = find_meeting(session, key)
        assert meeting.id is not None
        write_roster(roster_rows(session, meeting_id=meeting.id), path)
        parsed = read_roster(path, languages=meeting_languages(meeting))
        rows, unresolved = resolve_emails(
            parsed.rows,
            None,
            allow_unresolved=True,
            known=known_emails(session, meeting_id=meeting.id),
        )
        diff = plan_roster(session, meeting_id=meeting.id, rows=rows)
    problems = len(parsed.problems) + len(unresolved)
    verdict = "importing it back changes nothing" if diff.unchanged else "CHANGES ON IMPORT"
    line = f"{len(parsed.rows)} rows exported to {path.name}; {verdict} ({problems} problems)"
    return line, diff.unchanged and not problems


def _languages_summary(session: Session, meeting: Meeting) -> str:
    """How many people read Docket in each of the meeting's languages, and why."""
    people = session.exec(
        select(Participant).where(Participant.meeting_id == meeting.id, col(Participant.active))
    ).all()
    readers = Counter(participant_language(meeting, p) for p in people)
    by_locale = sum(
        1 for p in people if not p.language and participant_language(meeting, p) != "en"
    )
    counts = ", ".join(f"{readers[lang]} read {lang}" for lang in meeting_languages(meeting))
    return (
        f"{counts} ({by_locale} of them by their Slack locale); channel posts carry "
        f"{' and '.join(meeting_languages(meeting))}"
    )


def _calendar_summary(session: Session) -> str:
    # A closing or an adoption is sent in steps (notice, root, ...): count the first only.
    sent = Counter(
        kind
        for kind, key in session.exec(
            select(Scheduled.kind, Scheduled.key).where(col(Scheduled.sent_at).is_not(None))
        )
        if not key.endswith((":root", ":notice"))
    )
    skipped = session.exec(
        select(func.count()).select_from(Scheduled).where(col(Scheduled.skipped_at).is_not(None))
    ).one()
    procedures = list(
        session.exec(
            select(SilenceProcedure.status, AgendaItem.number).join(
                AgendaItem, col(AgendaItem.id) == col(SilenceProcedure.item_id)
            )
        )
    )
    silence = ", ".join(f"item {number} {status}" for status, number in procedures) or "none"
    reminders = session.exec(
        select(func.count(func.distinct(Scheduled.sent_at))).where(Scheduled.kind == "reminder")
    ).one()
    return (
        f"{sent['close']} items closed at their deadlines; {reminders} reminder messages "
        f"({sent['reminder']} item reminders); {sent['nudge'] - _rounds(session)} direct nudges "
        f"to delegates of silent member delegations; {sent['digest']} daily digests to the "
        f"secretariat; {skipped} deliveries skipped; "
        f"silence procedures: {silence}"
    )


def _revisions_summary(session: Session) -> str:
    rows = list(
        session.exec(
            select(RevisedDocument, AgendaItem.number).join(
                AgendaItem, col(AgendaItem.id) == col(RevisedDocument.item_id)
            )
        )
    )
    if not rows:
        return "none"
    concerns = session.exec(
        select(func.count()).select_from(Comment).where(col(Comment.final_concerns_id).is_not(None))
    ).one()
    told = session.exec(
        select(func.count())
        .select_from(Scheduled)
        .where(col(Scheduled.key).contains(":dm:"), col(Scheduled.sent_at).is_not(None))
    ).one()
    published = ", ".join(f"{revision.code} on item {number}" for revision, number in rows)
    return (
        f"{published}; {told} delegates of the delegations that commented told by direct "
        f"message; {concerns} final concerns in the window"
    )


def _rounds(session: Session) -> int:
    return session.exec(
        select(func.count())
        .select_from(Scheduled)
        .where(col(Scheduled.key).startswith("nudges:"), col(Scheduled.sent_at).is_not(None))
    ).one()


def _check(
    f: SummaryFigures,
    player: _Player,
    tour: TourResult,
    groups: list[GroupEntry],
    group_posts: int,
) -> list[str]:
    """The demo checks itself: every reply recorded exactly once, every request answered,
    every classification and every drafting group message in the record."""
    problems = list(player.failures)
    replies = len(player.replies) + player.concerns
    if player.enrolment is not None:  # a stranger's reply attached, and their reply once enrolled
        replies += player.enrolment.attached + (1 if player.enrolment.next_reply else 0)
    if player.enrolment is None or not player.enrolment.approved:
        problems.append("the stranger's request to join was not approved")
    if f.comments + f.withdrawn != replies:
        problems.append(f"{replies} replies but {f.comments + f.withdrawn} comments recorded")
    counts = [c for by_kind in f.by_item_classified.values() for c in by_kind.items()]
    classified = sum(n for kind, n in counts if kind != "unclassified")
    if classified != tour.classified:
        problems.append(f"{tour.classified} comments classified but {classified} in the record")
    written = sum(len(g.contributions) for g in groups)
    if written != group_posts:
        problems.append(f"{group_posts} drafting group messages but {written} recorded")
    return problems
