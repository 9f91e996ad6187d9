"""Alembic migrations for Docket's schema: `python -m bot migrate` runs them (bot.core.schema)."""
