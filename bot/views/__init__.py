"""Every word a person reads in Slack: Block Kit and fallback text for items, decisions, notices,
reminders, nudges, the digest, the Home and the forms, private replies and refusals, the one
table of labels (`labels.py`) that Slack and the record share, and the one helper (`fit.py`)
that keeps every message within Slack's limits without losing a word.  Pure functions of domain
values: no session, no I/O.  Imports `bot.domain`, `bot.parse`, `bot.core` and `models`; never
`slack_sdk` or `slack_bolt`.
"""
