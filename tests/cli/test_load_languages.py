"""`python -m bot load` with languages, Slack locales and entries Slack cannot find
(`--allow-unresolved`), as a real subprocess against the Slack stand-in."""

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import select

from bot.core.config import Settings
from bot.demo.standin import SlackStandIn
from models import Participant, PendingPerson
from tests.cli.test_cli import Cli, variant
from tests.conftest import DATA

BILINGUAL = (DATA / "bilingual.yaml").read_text(encoding="utf-8")
# A delegate of Côte d'Ivoire's customs, who reaches the meeting channel through Slack Connect
# from her own administration's workspace: users.lookupByEmail does not find her.
AWA = "awa.diop@douanes.example"


@pytest.fixture
def cli(standin: SlackStandIn, settings: Settings, tmp_path: Path) -> Iterator[Cli]:
    """As test_cli's: `python -m bot` in a directory without a .env, against the stand-in."""
    env = {k: v for k, v in os.environ.items() if k not in ("SLACK_APP_TOKEN", "PORT")}
    env.update(
        SLACK_BOT_TOKEN=standin.token,
        SLACK_API_URL=standin.api_url,
        DATABASE_URL=settings.database_url,
        SLACK_SIGNING_SECRET="anything",
    )
    workdir = tmp_path / "cwd"
    workdir.mkdir()
    yield Cli(cwd=workdir, env=env, database_url=settings.database_url)


def people(cli: Cli) -> dict[str, Participant]:
    return cli.query(lambda s: {p.user_id: p for p in s.exec(select(Participant))})


def pending_rows(cli: Cli) -> list[PendingPerson]:
    return cli.query(lambda s: list(s.exec(select(PendingPerson))))


def test_load_reads_each_locale_once_and_says_how_many_read_each_language(
    cli: Cli, standin: SlackStandIn
):
    standin.add_user("U0AU00001", real_name="Alex Adler", locale="fr-FR")
    standin.add_user("U0UPU0001", real_name="Elif Novak", locale="tr-TR")
    result = cli("load", str(DATA / "bilingual.yaml"))
    assert result.returncode == 0, result.stderr
    assert "test-bilingual: created: 2 items, 3 delegations, 8 participants" in result.stdout
    assert "  people by language: en 5, fr 3" in result.stdout
    asked = standin.calls_to("users.info")
    assert len(asked) == 8  # one per person, named in the file or not, and no more
    assert {c.params["user"] for c in asked} == set(people(cli))
    assert all(str(c.params["include_locale"]).lower() in ("1", "true") for c in asked)
    found = people(cli)
    assert (found["U0AU00001"].locale, found["U0AU00001"].language) == ("fr-FR", None)
    assert (found["U0CI00001"].locale, found["U0CI00001"].language) == ("en-US", "fr")
    assert found["U0CI00002"].profile_name is None  # named in the file: Slack's name not asked
    assert found["U0CI00002"].name == "Amara Okafor"
    # Loading again asks again (locales change), and says the same.
    again = cli("load", str(DATA / "bilingual.yaml"))
    assert "test-bilingual: unchanged" in again.stdout
    assert "  people by language: en 5, fr 3" in again.stdout


def test_a_meeting_in_english_alone_counts_everyone_in_english(cli: Cli):
    result = cli("load", str(DATA / "small.yaml"))
    assert result.returncode == 0, result.stderr
    assert "  people by language: en 7" in result.stdout


def test_a_language_docket_has_no_messages_in_loads_with_a_warning(cli: Cli):
    text = variant("channel: C0TEST0001\n", "channel: C0TEST0001\nlanguages: [en, es]\n")
    result = cli("load", str(cli.write("es.yaml", text)))
    assert result.returncode == 0, result.stderr
    assert "warning: Docket has no messages in 'es'" in result.stderr
    assert "  people by language: en 7, es 0" in result.stdout


def test_a_bad_language_is_refused_naming_its_line_and_nothing_is_loaded(cli: Cli):
    text = variant("languages: [en, fr]", "languages: [en, fr, xx]", BILINGUAL)
    result = cli("load", str(cli.write("bad.yaml", text)))
    assert result.returncode == 2
    assert "bad.yaml: line 6: languages[2]: 'xx' is not a known language code" in result.stderr
    assert "nothing was loaded" in result.stderr


@pytest.mark.expect_refusals("users_not_found")
def test_allow_unresolved_keeps_unknown_emails_pending_until_a_load_finds_them(
    cli: Cli, standin: SlackStandIn
):
    standin.add_user("U0EXTAWA1", email=AWA, real_name="Awa Diop", team_id="T0DOUANES1")
    text = variant(
        "delegates: [U0CI00001, {id: U0CI00002, name: Amara Okafor, language: en}]",
        f"delegates: [U0CI00001, {{email: {AWA}, name: Awa Diop}}]",
        BILINGUAL,
    )
    path = cli.write("ptc.yaml", text)

    refused = cli("load", str(path))
    assert refused.returncode == 2
    assert f"no Slack user has the e-mail {AWA}" in refused.stderr
    assert "load again with --allow-unresolved" in refused.stderr
    assert cli.query(lambda s: s.exec(select(Participant)).all()) == []

    loaded = cli("load", str(path), "--allow-unresolved")
    assert loaded.returncode == 0, loaded.stderr
    assert "test-bilingual: created: 2 items, 3 delegations, 7 participants" in loaded.stdout
    assert "  pending, no Slack user has the e-mail yet: 1" in loaded.stdout
    assert f"    {AWA}: member of Côte d'Ivoire" in loaded.stdout
    [entry] = pending_rows(cli)
    assert (entry.email, entry.name, entry.role, entry.language, entry.active) == (
        AWA,
        "Awa Diop",
        "member",
        "fr",  # her delegation's
        True,
    )
    assert "U0EXTAWA1" not in people(cli)

    # Loading the same file again says again who is pending, and changes nothing.
    again = cli("load", str(path), "--allow-unresolved")
    assert "test-bilingual: unchanged" in again.stdout
    assert f"    {AWA}: member of Côte d'Ivoire" in again.stdout
    assert len(pending_rows(cli)) == 1

    # Her administration's account is replaced by one in the host workspace: the load finds her.
    standin.add_user("U0CIAWA01", email=AWA, real_name="Awa Diop")
    found = cli("load", str(path), "--allow-unresolved")
    assert found.returncode == 0, found.stderr
    assert "  added U0CIAWA01 as member" in found.stdout
    assert f"  matched pending {AWA}: U0CIAWA01" in found.stdout
    assert "pending, no Slack user" not in found.stdout
    [entry] = pending_rows(cli)
    assert (entry.active, entry.matched_user_id) == (False, "U0CIAWA01")
    awa = people(cli)["U0CIAWA01"]
    assert (awa.email, awa.name, awa.language, awa.active) == (AWA, "Awa Diop", "fr", True)
