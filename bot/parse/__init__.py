"""Pure parsing: command text, durations and moments, the meeting file.  No database, no Slack, no
words for people: errors are typed or carry the offending input, and `bot/views` says them.
Imports `bot.core` and `models` only.
"""
