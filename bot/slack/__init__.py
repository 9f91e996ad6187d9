"""The Web API port and Slack's shapes: `Call` values and after-ack sending, the paced and retried
`Outbound` used by the clock, reading Slack's event payloads, the HTTP face (WSGI, `/healthz`)
and Socket Mode.  The only layer below the handlers and the clock that talks to `slack_sdk` and
`slack_bolt`.  Imports `bot.views` and everything below it.
"""
