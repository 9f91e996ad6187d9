"""People by name, and the App Home published only for those who opened it.

Slack's markup read as plain text, a person's name from the meeting file or else their Slack
profile, names stored at load and refreshed when Slack's change, and the Home viewers a change
republishes: the domain alone, on an in-memory database at a chosen `now`.
"""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine
from sqlalchemy.pool import StaticPool
from sqlmodel import Session, SQLModel, select

from bot.domain.home import build_homes, home_viewers, remember_viewer, viewers_concerned
from bot.domain.meetings import (
    find_meeting,
    load_meeting,
    person_name,
    profile_name,
    profiles_wanted,
    update_names,
)
from bot.domain.record_rows import readable_text
from bot.domain.summary import build_summary
from bot.parse.meeting_file import MeetingFileError, MeetingSpec, parse_meeting
from handlers.home import PublishPacer
from models import HomeViewer, Participant

SMALL = (Path(__file__).resolve().parents[1] / "data" / "small.yaml").read_text(encoding="utf-8")
NOW = datetime(2020, 7, 10, 10, 0, tzinfo=UTC)
NAMES = {"U0AU00001": "Jane Doe", "U0SEC0001": "Sam Banda"}


def lookup(email: str) -> str | None:
    return {"jane.doe@customs.example": "U0AUJANE1"}.get(email)


def parse(text: str) -> MeetingSpec:
    return parse_meeting(text, name="small.yaml", lookup_email=lookup)


@pytest.fixture
def session() -> Iterator[Session]:
    engine = create_engine("sqlite://", poolclass=StaticPool)
    SQLModel.metadata.create_all(engine)
    with Session(engine) as session:
        yield session


def participant(session: Session, user_id: str) -> Participant:
    return session.exec(select(Participant).where(Participant.user_id == user_id)).one()


# -- Slack's markup as readable text ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("slack", "readable"),
    [
        ("<@U0AU00001> asked", "@Jane Doe asked"),
        ("<@U0AU00001|jane> asked", "@Jane Doe asked"),  # the roster's name over Slack's label
        ("<@U0ZZ00009|zed> asked", "@zed asked"),  # not on the roster: Slack's label
        ("see <#C0PTC2020|ptc-2020>", "see #ptc-2020"),
        ("see <#C0PTC2020>", "see #ptc-2020"),  # the channel's stored name
        ("<https://example.org/a.pdf|the paper>", "the paper (https://example.org/a.pdf)"),
        ("<https://example.org/a.pdf>", "https://example.org/a.pdf"),
        ("<mailto:a@b.example|a@b.example>", "a@b.example"),
        ("<!here> please", "@here please"),
        ("<!subteam^S0123|@drafters> please", "@drafters please"),
        ("R&amp;D &lt;b&gt; &amp;lt;", "R&D <b> &lt;"),  # entities once, &amp; last
    ],
)
def test_slack_markup_reads_as_plain_text(slack: str, readable: str) -> None:
    assert readable_text(slack, NAMES, {"C0PTC2020": "ptc-2020"}) == readable


def test_text_a_person_typed_with_angle_brackets_is_not_taken_for_markup() -> None:
    # Slack sends a typed "<b>" as "&lt;b&gt;": only real markup has bare brackets.
    assert readable_text("a &lt;@U0AU00001&gt; b", NAMES) == "a <@U0AU00001> b"


# -- a person's name ------------------------------------------------------------------------------


def test_profile_name_is_the_real_name_else_the_display_name() -> None:
    user = {"profile": {"real_name": " Jane  Doe ", "display_name": "jd"}}
    assert profile_name(user) == "Jane Doe"
    assert profile_name({"profile": {"real_name": "", "display_name": "jd"}}) == "jd"
    assert profile_name({"real_name": "Jane Doe", "profile": {}}) == "Jane Doe"
    assert profile_name({"profile": {"real_name": "", "display_name": ""}}) is None


def test_the_meeting_files_name_wins_over_the_slack_profile() -> None:
    named = Participant(meeting_id=1, user_id="U1", role="member", name="Jane Doe")
    named.profile_name = "jd"
    assert person_name(named) == "Jane Doe"
    unnamed = Participant(meeting_id=1, user_id="U2", role="member", profile_name="Ana Silva")
    assert person_name(unnamed) == "Ana Silva"
    assert person_name(Participant(meeting_id=1, user_id="U3", role="member")) is None


def test_a_delegate_may_be_written_with_a_name_and_the_plain_form_still_works() -> None:
    text = SMALL.replace(
        "delegates: [U0AU00001, jane.doe@customs.example]",
        "delegates: [{id: U0AU00001, name: Ana Silva}, "
        "{email: jane.doe@customs.example, name: Jane Doe}]",
    )
    spec = parse(text)
    people = {p.user_id: p for d in spec.delegations for p in d.delegates}
    assert people["U0AU00001"].name == "Ana Silva"
    assert people["U0AUJANE1"].name == "Jane Doe"
    assert people["U0AUJANE1"].email == "jane.doe@customs.example"
    assert people["U0CI00001"].name is None  # the plain string form


def test_a_named_chair_keeps_the_mapping_form_too() -> None:
    spec = parse(SMALL.replace("chair: [U0CHAIR01]", "chair: [{id: U0CHAIR01, name: Ravi Kaur}]"))
    assert spec.chair[0].user_id == "U0CHAIR01" and spec.chair[0].name == "Ravi Kaur"


@pytest.mark.parametrize(
    "entry",
    ["{name: Jane Doe}", "{id: U0AU00001, email: jane.doe@customs.example}", "{id: 12}"],
)
def test_a_person_mapping_needs_exactly_one_id_or_email(entry: str) -> None:
    text = SMALL.replace("delegates: [U0CI00001]", f"delegates: [{entry}]")
    with pytest.raises(MeetingFileError) as caught:
        parse(text)
    assert len(caught.value.errors) == 1
    assert "delegations[1].delegates[0]" in caught.value.errors[0]


def test_loading_stores_the_files_names_and_asks_slack_only_for_the_others(
    session: Session,
) -> None:
    text = SMALL.replace("delegates: [U0CI00001]", "delegates: [{id: U0CI00001, name: Kofi Banda}]")
    meeting = load_meeting(session, spec=parse(text), now=NOW).meeting
    assert meeting.id is not None
    assert participant(session, "U0CI00001").name == "Kofi Banda"
    wanted = profiles_wanted(session, meeting_id=meeting.id)
    assert "U0CI00001" not in wanted and "U0AU00001" in wanted


def test_profile_names_are_stored_once_and_refreshed_when_slack_changes_them(
    session: Session,
) -> None:
    meeting = load_meeting(session, spec=parse(SMALL), now=NOW).meeting
    assert meeting.id is not None
    first = update_names(
        session,
        meeting_id=meeting.id,
        profiles={"U0AU00001": "Jane Doe", "U0CI00001": None},
        channel_name="ptc-2020",
        now=NOW,
    )
    assert len(first) == 2  # one name, the channel's; no name from Slack changes nothing
    assert participant(session, "U0AU00001").profile_name == "Jane Doe"
    assert participant(session, "U0CI00001").profile_name is None
    assert find_meeting(session, "test-ptc").channel_name == "ptc-2020"
    same = update_names(
        session,
        meeting_id=meeting.id,
        profiles={"U0AU00001": "Jane Doe"},
        channel_name="ptc-2020",
        now=NOW + timedelta(days=1),
    )
    assert same == []
    changed = update_names(
        session,
        meeting_id=meeting.id,
        profiles={"U0AU00001": "Jane Smith"},
        now=NOW + timedelta(days=2),
    )
    assert changed == ["name of U0AU00001 from Slack: Jane Smith"]
    assert participant(session, "U0AU00001").profile_name == "Jane Smith"


def test_the_record_names_people_and_reads_their_mentions(session: Session) -> None:
    meeting = load_meeting(session, spec=parse(SMALL), now=NOW).meeting
    assert meeting.id is not None
    update_names(
        session,
        meeting_id=meeting.id,
        profiles={"U0AU00001": "Jane Doe", "U0SEC0001": "Sam Banda", "U0CHAIR01": "Ravi Kaur"},
        channel_name="ptc-2020",
        now=NOW,
    )
    record = build_summary(session, meeting_id=meeting.id, now=NOW)
    assert record.name("U0AU00001") == "Jane Doe"
    assert record.name("U0UNKNOWN1") == "U0UNKNOWN1"  # no name known: the id
    assert record.channel_name == "ptc-2020"
    roster = {r.user: r.name for r in record.roster}
    assert roster["U0CHAIR01"] == "Ravi Kaur" and roster["U0CI00001"] == ""


# -- the App Home's viewers -----------------------------------------------------------------------


def test_only_people_who_opened_their_home_are_republished(session: Session) -> None:
    meeting = load_meeting(session, spec=parse(SMALL), now=NOW).meeting
    assert meeting.id is not None
    assert viewers_concerned(session, meeting_id=meeting.id, everyone=True) == []
    assert remember_viewer(session, user_id="U0AU00001", now=NOW) is True
    assert remember_viewer(session, user_id="U0SEC0001", now=NOW) is True
    later = NOW + timedelta(hours=1)
    assert remember_viewer(session, user_id="U0AU00001", now=later) is False  # once per person
    viewer = session.exec(select(HomeViewer).where(HomeViewer.user_id == "U0AU00001")).one()
    assert (viewer.first_opened_at, viewer.opened_at) == (NOW, later)
    everyone = viewers_concerned(session, meeting_id=meeting.id, everyone=True)
    assert sorted(everyone) == ["U0AU00001", "U0SEC0001"]
    # The secretariat is always concerned, but only the one who opened the Home is published.
    assert viewers_concerned(session, meeting_id=meeting.id) == ["U0SEC0001"]
    assert home_viewers(session, user_ids=["U0CI00001", "U0AU00001", "U0AU00001"]) == ["U0AU00001"]


def test_a_home_names_its_viewer(session: Session) -> None:
    meeting = load_meeting(session, spec=parse(SMALL), now=NOW).meeting
    assert meeting.id is not None
    update_names(session, meeting_id=meeting.id, profiles={"U0AU00001": "Jane Doe"}, now=NOW)
    homes = build_homes(session, user_ids=["U0AU00001", "U0CI00001"], now=NOW, team_url=None)
    assert homes["U0AU00001"].meetings[0].viewer_name == "Jane Doe"
    assert homes["U0CI00001"].meetings[0].viewer_name is None


def test_views_publish_is_paced_after_a_burst() -> None:
    moments: list[float] = []
    clock = [0.0]

    def sleep(seconds: float) -> None:
        clock[0] += seconds

    pacer = PublishPacer(per_minute=60, burst=3, sleep=sleep, clock=lambda: clock[0])
    for _ in range(6):
        pacer.wait()
        moments.append(clock[0])
    assert moments == [0.0, 0.0, 0.0, 1.0, 2.0, 3.0]  # three at once, then one a second
