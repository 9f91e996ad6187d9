"""Infrastructure every layer stands on: settings, the database and its SQLite writers, schema
checks and Alembic migrations, logging, the clock reader (the one `utcnow`) and the drainable
executor.  Imports only `models` and libraries; knows nothing of meetings or Slack.
"""
