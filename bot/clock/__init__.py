"""The scheduler and its jobs, one module per job (posting items, reminders and nudges, closing,
silence adoption, revision rounds and final concerns, digests, the end of the session), each
built on the claim helper in `claims.py`: claim in the database, send, mark sent or release,
retake a stale claim.  What is due is computed from stored deadlines at an explicit `now`.
Imports `bot.slack`, `bot.record` and below; never `handlers`.
"""
