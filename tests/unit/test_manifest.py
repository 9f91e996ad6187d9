"""The Slack app manifests declare exactly what the app listens to and needs."""

from pathlib import Path
from typing import Any

import pytest
import yaml
from slack_bolt import App

from handlers import register_all

ROOT = Path(__file__).resolve().parents[2]
NEEDED_SCOPES = {
    "channels:history",
    "groups:history",
    "channels:read",  # conversations.info at load and post: is the bot in the channel?
    "groups:read",
    "chat:write",
    "commands",
    "reactions:write",
    "users:read",
    "users:read.email",
    "im:write",
    "files:write",
    "groups:write",  # /group creates private channels and invites to them
}


def registered_commands() -> set[str]:
    app = App(token="xoxb-test", signing_secret="secret", token_verification_enabled=False)
    register_all(app)
    commands = set()
    for listener in app._listeners:  # Bolt keeps no public list; the matchers name them
        for matcher in listener.matchers:
            func: Any = getattr(matcher, "func", None)
            closure = getattr(func, "__closure__", None) or ()
            for cell in closure:
                value = cell.cell_contents
                if isinstance(value, str) and value.startswith("/"):
                    commands.add(value)
    return commands


@pytest.mark.parametrize("name", ["manifest.yml", "manifest.socket-mode.yml"])
def test_manifest_declares_every_command_scope_and_event(name: str):
    manifest = yaml.safe_load((ROOT / name).read_text())
    declared = {c["command"] for c in manifest["features"]["slash_commands"]}
    assert (
        declared
        == registered_commands()
        == {
            "/approve",
            "/extend",
            "/object",
            "/digest",
            "/record",
            "/close",
            "/agenda",
            "/group",
            "/revise",
        }
    )
    assert set(manifest["oauth_config"]["scopes"]["bot"]) >= NEEDED_SCOPES
    assert {s["callback_id"] for s in manifest["features"]["shortcuts"]} == {"classify_comment"}
    events = set(manifest["settings"]["event_subscriptions"]["bot_events"])
    assert {"message.channels", "message.groups", "app_home_opened"} <= events
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True
    socket = manifest["settings"]["socket_mode_enabled"]
    assert socket is (name == "manifest.socket-mode.yml")
    # Only an escaped command receives its mentions as user ids.
    escaped = {c["command"] for c in manifest["features"]["slash_commands"] if c["should_escape"]}
    assert escaped == {"/group"}
    urls = [c.get("url") for c in manifest["features"]["slash_commands"]]
    if socket:
        assert urls == [None] * len(urls)
    else:
        assert set(urls) == {manifest["settings"]["event_subscriptions"]["request_url"]}
        assert all(u.endswith("/slack/events") for u in urls)
