"""Docket: run a document-based (written) meeting inside Slack.

The composition roots live here and nowhere else: `bot/app.py` builds the Bolt app and the WSGI
entry point, `bot/cli.py` (`python -m bot`) the command line, the clock and the processes.  They
are the only modules that may import every layer; the layers themselves are subpackages (see
docs/ARCHITECTURE.md), Slack listeners are in `handlers/`, tables in `models/`.
"""
