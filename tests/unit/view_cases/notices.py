from collections.abc import Callable
from datetime import UTC, datetime

from bot.domain.meetings import NoMeeting
from bot.views import notices

DEADLINE = datetime(2020, 5, 29, 15, 0, tzinfo=UTC)

CASES: dict[str, Callable[[], object]] = {
    "notices.stray_notice": lambda: notices.stray_notice("PTC", 3, ("U0SEC0001",)),
    "notices.late_reply_notice": lambda: notices.late_reply_notice(
        "Europe/Brussels", 3, DEADLINE, final_concern=False
    ),
    "notices.late_reply_notice/final": lambda: notices.late_reply_notice(
        "Europe/Brussels", 3, DEADLINE, final_concern=True
    ),
    "notices.choose_meeting_notice": lambda: notices.choose_meeting_notice("/approve", ["a", "b"]),
    "notices.no_meeting_notice": lambda: notices.no_meeting_notice("/approve"),
    "notices.no_meeting_text": lambda: notices.no_meeting_text("/approve", NoMeeting("none")),
}
