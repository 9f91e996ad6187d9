"""Loading a meeting in several languages: texts, who reads what, pending entries, and what a
reload keeps.  The domain alone, on an in-memory database at a chosen `now`."""

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine
from sqlalchemy.pool import StaticPool
from sqlmodel import Session, SQLModel, col, select

from bot.domain.languages import language_of, languages_of, meeting_languages, translations_of
from bot.domain.meetings import (
    item_documents,
    language_counts,
    list_items,
    load_meeting,
    pending_people,
    people_wanted,
    update_locales,
)
from bot.parse.meeting_file import MeetingSpec, parse_meeting
from bot.views.i18n import speaking, text_of
from models import Delegation, Meeting, Participant, PendingPerson

DATA = Path(__file__).resolve().parents[1] / "data"
SMALL = (DATA / "small.yaml").read_text(encoding="utf-8")
BILINGUAL = (DATA / "bilingual.yaml").read_text(encoding="utf-8")
NOW = datetime(2020, 7, 10, 10, 0, tzinfo=UTC)
KNOWN = {"jane.doe@customs.example": "U0AUJANE1"}


def parse(text: str, *, known: dict[str, str] = KNOWN) -> MeetingSpec:
    return parse_meeting(text, name="m.yaml", lookup_email=known.get, allow_unresolved=True)


@pytest.fixture
def session() -> Iterator[Session]:
    engine = create_engine("sqlite://", poolclass=StaticPool)
    SQLModel.metadata.create_all(engine)
    with Session(engine) as session:
        yield session


def person(session: Session, user_id: str) -> Participant:
    return session.exec(select(Participant).where(Participant.user_id == user_id)).one()


def load(session: Session, text: str, **kwargs: dict[str, str]) -> Meeting:
    meeting = load_meeting(session, spec=parse(text, **kwargs), now=NOW).meeting
    session.commit()
    return meeting


# -- texts and languages ------------------------------------------------------------------------


def test_bilingual_meeting_stores_its_languages_and_every_text(session: Session):
    meeting = load(session, BILINGUAL)
    assert meeting_languages(meeting) == ("en", "fr")
    assert meeting.title == "Test Committee, written session"
    assert translations_of(meeting) == {"fr": {"title": "Comité de test, session écrite"}}
    assert meeting.id is not None
    three, four = list_items(session, meeting_id=meeting.id)
    assert three.proposal == "The PTC is invited to endorse the proposals."
    assert translations_of(three)["fr"]["proposal"] == (
        "Le CTP est invité à approuver les propositions."
    )
    assert three.id is not None
    documents = item_documents(session, item_id=three.id)
    with speaking("fr"):
        assert text_of(meeting, "title") == "Comité de test, session écrite"
        assert text_of(four, "title") == "Annexes du paquet sur le commerce électronique"
        assert text_of(four, "proposal") == "The PTC is invited to approve the three annexes."
        assert [text_of(d, "title") for d in documents] == [
            "Gestion des catastrophes",
            "Gap analysis & tools",
        ]
    with speaking("en"):
        assert text_of(four, "title") == "E-commerce package annexes"


def test_each_person_reads_their_own_language_else_their_delegations_else_slacks(
    session: Session,
):
    meeting = load(session, BILINGUAL)
    ivoire = session.exec(select(Delegation).where(Delegation.name == "Côte d'Ivoire")).one()
    assert (ivoire.language, ivoire.source) == ("fr", "file")
    assert person(session, "U0CI00001").language == "fr"  # the delegation's
    assert person(session, "U0CI00002").language == "en"  # their own, over the delegation's
    assert person(session, "U0SEC0002").language == "fr"
    assert person(session, "U0AU00001").language is None  # the file says nothing: Slack's
    assert meeting.id is not None
    update_locales(
        session,
        meeting_id=meeting.id,
        locales={"U0AU00001": "fr-FR", "U0CI00001": "en-GB", "U0UPU0001": "de-DE"},
        now=NOW,
    )
    found = languages_of(
        session,
        meeting=meeting,
        user_ids=["U0AU00001", "U0CI00001", "U0CI00002", "U0UPU0001", "U0NOBODY1"],
    )
    assert found == {
        "U0AU00001": "fr",  # Slack's locale
        "U0CI00001": "fr",  # the file's language wins over the locale
        "U0CI00002": "en",
        "U0UPU0001": "en",  # German is not a meeting language: the main one
        "U0NOBODY1": "en",  # not on the roster: the main one
    }
    assert language_of(session, meeting=meeting, user_id="U0AU00001") == "fr"
    assert language_counts(session, meeting_id=meeting.id) == {"en": 5, "fr": 3}


def test_locales_are_stored_once_and_only_when_slack_changes_them(session: Session):
    meeting = load(session, SMALL)
    assert meeting.id is not None
    everyone = people_wanted(session, meeting_id=meeting.id)
    assert len(everyone) == 7  # the whole roster: everyone's locale, named or not
    first = update_locales(
        session, meeting_id=meeting.id, locales={"U0AU00001": "fr-FR", "U0CI00001": None}, now=NOW
    )
    assert first == ["locale of U0AU00001 from Slack: fr-FR"]
    assert person(session, "U0CI00001").locale is None
    again = update_locales(session, meeting_id=meeting.id, locales={"U0AU00001": "fr-FR"}, now=NOW)
    assert again == []
    # A meeting in English alone: every person reads English whatever their locale.
    assert language_counts(session, meeting_id=meeting.id) == {"en": 7}


def test_reloading_the_same_texts_changes_nothing_even_when_forced(session: Session):
    meeting = load(session, BILINGUAL)
    meeting.source_digest = ""  # as if the file were written differently
    session.commit()
    result = load_meeting(session, spec=parse(BILINGUAL), now=NOW)
    assert not result.unchanged and result.changes == []


def test_a_changed_translation_or_language_is_reported(session: Session):
    load(session, BILINGUAL)
    text = variant_of(BILINGUAL, "fr: Gestion des catastrophes", "fr: Gestion des risques")
    text = variant_of(text, "    language: fr\n", "")
    text = variant_of(text, "fr: Comité de test, session écrite", "fr: Comité, session écrite")
    result = load_meeting(session, spec=parse(text), now=NOW)
    assert result.changes == [
        "translations of the title changed",
        "language of delegation Côte d'Ivoire: none",
        "language of U0CI00001: from Slack",
        "updated documents of item 3",
    ]
    assert person(session, "U0CI00001").language is None


def variant_of(text: str, old: str, new: str) -> str:
    assert old in text, old
    return text.replace(old, new, 1)


# -- entries kept pending -----------------------------------------------------------------------

NOBODY = "awa.diop@douanes.example"


def with_pending(text: str = SMALL) -> str:
    return variant_of(text, "delegates: [U0CI00001]", f"delegates: [U0CI00001, {NOBODY}]")


def test_an_unknown_email_is_kept_pending_and_matched_when_a_later_load_finds_it(
    session: Session,
):
    meeting = load(session, with_pending())
    assert meeting.id is not None
    [entry] = pending_people(session, meeting_id=meeting.id)
    ivoire = session.exec(select(Delegation).where(Delegation.name == "Côte d'Ivoire")).one()
    assert (entry.email, entry.role, entry.delegation_id, entry.active) == (
        NOBODY,
        "member",
        ivoire.id,
        True,
    )
    assert entry.matched_user_id is None
    # Slack now knows her (her account was made in the workspace): the next load finds her.
    result = load_meeting(
        session, spec=parse(with_pending(), known={**KNOWN, NOBODY: "U0CIAWA01"}), now=NOW
    )
    assert "added U0CIAWA01 as member" in result.changes
    assert f"matched pending {NOBODY}: U0CIAWA01" in result.changes
    session.commit()
    assert pending_people(session, meeting_id=meeting.id) == []
    row = session.exec(select(PendingPerson)).one()
    assert (row.active, row.matched_user_id) == (False, "U0CIAWA01")
    awa = person(session, "U0CIAWA01")
    assert (awa.email, awa.delegation_id, awa.source) == (NOBODY, ivoire.id, "file")


def test_a_pending_entry_the_file_drops_is_inactive_and_one_named_again_is_back(
    session: Session,
):
    meeting = load(session, with_pending())
    assert meeting.id is not None
    result = load_meeting(session, spec=parse(SMALL), now=NOW)
    assert f"dropped pending {NOBODY} (no longer in the file)" in result.changes
    assert pending_people(session, meeting_id=meeting.id) == []
    again = load_meeting(session, spec=parse(with_pending()), now=NOW)
    assert f"pending again {NOBODY}" in again.changes
    assert [p.email for p in pending_people(session, meeting_id=meeting.id)] == [NOBODY]
    assert len(list(session.exec(select(PendingPerson)))) == 1


def test_an_entry_matched_by_a_request_to_join_stays_matched(session: Session):
    meeting = load(session, with_pending())
    row = session.exec(select(PendingPerson)).one()
    row.matched_user_id, row.active = "U0EXTAWA1", False  # as an approved request does
    session.commit()
    changed = variant_of(with_pending(), "title: Strategic foresight", "title: Foresight")
    load_meeting(session, spec=parse(changed), now=NOW)
    assert meeting.id is not None
    assert pending_people(session, meeting_id=meeting.id) == []
    row = session.exec(select(PendingPerson)).one()
    assert (row.active, row.matched_user_id) == (False, "U0EXTAWA1")


# -- what a reload keeps --------------------------------------------------------------------------


def test_reload_keeps_enrolled_and_roster_people_and_roster_delegations(session: Session):
    meeting = load(session, SMALL)
    assert meeting.id is not None
    ivoire = session.exec(select(Delegation).where(Delegation.name == "Côte d'Ivoire")).one()
    session.add(
        Participant(
            meeting_id=meeting.id,
            user_id="U0EXTAWA1",
            role="member",
            delegation_id=ivoire.id,
            source="enrolled",
        )
    )
    senegal = Delegation(meeting_id=meeting.id, name="Senegal", kind="member", source="roster")
    session.add(senegal)
    session.flush()
    session.add(
        Participant(
            meeting_id=meeting.id,
            user_id="U0SN00001",
            role="member",
            delegation_id=senegal.id,
            source="roster",
        )
    )
    session.commit()
    changed = variant_of(SMALL, "title: Strategic foresight", "title: Foresight")
    result = load_meeting(session, spec=parse(changed), now=NOW)
    assert result.changes == ["updated item 5: title"]
    assert person(session, "U0EXTAWA1").active and person(session, "U0SN00001").active
    assert session.get(Delegation, senegal.id) is not None and senegal.active
    # The file names the enrolled person otherwise: the file wins, and the entry is the file's.
    named = variant_of(changed, "delegates: [U0UPU0001]", "delegates: [U0UPU0001, U0EXTAWA1]")
    result = load_meeting(session, spec=parse(named), now=NOW)
    assert result.changes == ["updated U0EXTAWA1: observer"]
    upu = session.exec(select(Delegation).where(Delegation.name == "Universal Postal Union")).one()
    awa = person(session, "U0EXTAWA1")
    assert (awa.role, awa.delegation_id, awa.source) == ("observer", upu.id, "file")
    # Now the file's: dropping it from the file removes it, as for anyone the file named.
    result = load_meeting(session, spec=parse(changed), now=NOW)
    assert result.changes == ["removed U0EXTAWA1 from the roster (comments kept)"]
    active = session.exec(select(Participant.user_id).where(col(Participant.active))).all()
    assert "U0SN00001" in active and "U0EXTAWA1" not in active
