"""Docket: run a document-based (written) meeting inside Slack.

The domain lives here: meetings, comments, decisions, views and the command line.
Slack listeners are thin adapters in `handlers/`; tables are in `models/`.
"""
