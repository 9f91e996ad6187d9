"""Through the real Bolt app: signed HTTP requests in, Web API calls out to the local Slack
stand-in, a real database (SQLite, and PostgreSQL when DOCKET_TEST_POSTGRES_URL is set)."""
