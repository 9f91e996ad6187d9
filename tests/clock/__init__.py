"""The scheduler's jobs at chosen `now`s, against the stand-in and a real database."""
