"""The local Slack stand-in, used by the tests and by `python -m bot demo`.

`SlackStandIn` plays Slack's Web API over real HTTP (an unmodified slack_sdk WebClient talks to
it), and `SlackSender` plays Slack calling the app: signed Events API callbacks and slash
commands. Together they let the whole bot run with no Slack workspace and no network.
The stand-in also speaks Socket Mode (apps.connections.open and a local WebSocket), and
`SocketModeSender` delivers the sender's payloads that way instead of over signed HTTP.
"""

from bot.demo.standin.sender import Delivery, SlackSender
from bot.demo.standin.server import Call, SlackStandIn
from bot.demo.standin.socket_mode import SocketModeSender

__all__ = ["Call", "Delivery", "SlackSender", "SlackStandIn", "SocketModeSender"]
