"""The local Slack stand-in itself: it answers as strictly as Slack does."""
