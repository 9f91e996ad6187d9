"""trigger_ids: what the sender hands the app with an interaction, and views.open exchanges.

Slack honours a trigger_id once, and for 3 seconds after the interaction (docs.slack.dev/
reference/methods/views.open: `invalid_trigger_id` for one Slack never issued,
`exchanged_trigger_id` for one already used, `expired_trigger_id` for one presented too late).
The sender issues them here and the stand-in exchanges them here; by default both share one
process-wide registry, so every sender and stand-in of a test or of the demo agree without being
wired together. Time is the monotonic clock (the app's real latency is what counts), injectable.
"""

from __future__ import annotations

import secrets
import string
import threading
import time
from collections.abc import Callable

TRIGGER_LIFETIME = 3.0


class TriggerError(Exception):
    def __init__(self, error: str) -> None:
        super().__init__(error)
        self.error = error


class TriggerIds:
    """Issued trigger_ids, each good once and for `lifetime` seconds."""

    def __init__(
        self, *, clock: Callable[[], float] = time.monotonic, lifetime: float = TRIGGER_LIFETIME
    ) -> None:
        self._clock = clock
        self._lifetime = lifetime
        self._lock = threading.Lock()
        self._issued: dict[str, float] = {}
        self._exchanged: set[str] = set()

    def issue(self) -> str:
        """A fresh trigger_id in Slack's shape ("digits.digits.hex")."""
        digits = "".join(secrets.choice(string.digits) for _ in range(13))
        trigger_id = f"{digits}.{digits[:9]}.{secrets.token_hex(16)}"
        with self._lock:
            self._forget_old()
            self._issued[trigger_id] = self._clock()
        return trigger_id

    def exchange(self, trigger_id: str) -> None:
        """Use `trigger_id` once; raises TriggerError with Slack's code when it cannot be."""
        with self._lock:
            issued = self._issued.get(trigger_id)
            if issued is None:
                raise TriggerError("invalid_trigger_id")
            if trigger_id in self._exchanged:
                raise TriggerError("exchanged_trigger_id")
            if self._clock() - issued > self._lifetime:
                raise TriggerError("expired_trigger_id")
            self._exchanged.add(trigger_id)

    def _forget_old(self) -> None:
        # Long-expired ids answer invalid_trigger_id rather than expired: Slack forgets them too,
        # and a demo issuing thousands must not grow without bound.
        horizon = self._clock() - 60 * self._lifetime
        stale = [t for t, at in self._issued.items() if at < horizon]
        for trigger_id in stale:
            del self._issued[trigger_id]
            self._exchanged.discard(trigger_id)


# Shared by every sender and stand-in that is not given its own.
TRIGGER_IDS = TriggerIds()
