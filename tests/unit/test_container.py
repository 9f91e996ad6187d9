"""The container stack runs what the Procfile runs: the image's default command is the `web:`
line, and compose.yaml's one-shot `release` and its `clock` run the `release:` and `clock:` lines,
so a platform that reads the Procfile and one that runs the containers run the same processes."""

import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import yaml

ROOT = Path(__file__).resolve().parents[2]


def _procfile() -> dict[str, str]:
    lines = (ROOT / "Procfile").read_text(encoding="utf-8").splitlines()
    return dict(line.split(": ", 1) for line in lines if line.strip())


def _dockerfile() -> dict[str, str]:
    """Each instruction's argument, continuation lines joined (the last one of each kind)."""
    text = re.sub(r"\\\n\s*", " ", (ROOT / "Dockerfile").read_text(encoding="utf-8"))
    found: dict[str, str] = {}
    for line in text.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            instruction, _, argument = line.strip().partition(" ")
            found[instruction.upper()] = argument.strip()
    return found


def _compose() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))


def test_the_images_command_is_the_procfiles_web_line() -> None:
    assert _dockerfile()["CMD"] == _procfile()["web"]


def test_compose_runs_the_procfiles_release_and_clock_and_the_image_command_for_web() -> None:
    services = _compose()["services"]
    procfile = _procfile()
    assert services["release"]["command"] == procfile["release"]
    assert services["clock"]["command"] == procfile["clock"]
    assert "command" not in services["web"]  # the image's: the web line, through a shell


def test_the_image_runs_as_a_user_and_checks_healthz() -> None:
    docker = _dockerfile()
    assert docker["USER"] not in ("root", "0")
    assert "/healthz" in docker["HEALTHCHECK"]
    assert docker["FROM"].startswith("python:3.11-slim")


def test_compose_waits_for_a_healthy_database_and_a_finished_release() -> None:
    services = _compose()["services"]
    assert "pg_isready" in json.dumps(services["db"]["healthcheck"]["test"])
    assert services["release"]["depends_on"]["db"]["condition"] == "service_healthy"
    for name in ("web", "clock"):
        condition = services[name]["depends_on"]["release"]["condition"]
        assert condition == "service_completed_successfully"
    # Processes that serve no HTTP do not inherit the image's /healthz check.
    assert services["clock"]["healthcheck"] == {"disable": True}


def test_compose_file_is_valid_against_the_compose_specification() -> None:
    """What `docker compose config` checks first, where no Docker client has compose: the file
    against the Compose Specification's own JSON schema (tests/data/compose-spec.json, from
    github.com/compose-spec/compose-spec schema/compose-spec.json at a08f8d5, Apache-2.0)."""
    schema = json.loads((ROOT / "tests" / "data" / "compose-spec.json").read_text())
    validator = jsonschema.Draft7Validator(schema)
    assert [error.message for error in validator.iter_errors(_compose())] == []
    # The schema does refuse what compose would: an unknown key in a service.
    broken = _compose()
    broken["services"]["web"]["restart_policy"] = "always"
    assert list(validator.iter_errors(broken))
