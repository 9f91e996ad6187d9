"""The secretariat's words: the digest, the session in figures, the closing message, and the
private replies of `/digest`, `/record`, `/close` and the Home's secretariat buttons.

Pure functions of `bot.domain.digest`, `bot.domain.summary` and `bot.domain.session_end`
values.  Deadlines use Slack's date token, as every other message does.
"""

from typing import Any, Literal
from zoneinfo import ZoneInfo

from bot.domain.digest import Digest, DigestItem, NewDecision
from bot.domain.session_end import CloseRequest
from bot.domain.summary import SummaryRecord
from bot.views.fit import contexts, fallback, header, message, sections
from bot.views.labels import COMMENT_KIND_LABELS, decision_label, procedure_label
from bot.views.messages import SlackMessage, date_token, document_link, escape
from bot.views.refusals import refusal_text

EXCERPTS_PER_ITEM = 5
NAMES_SHOWN = 15
STRAYS_SHOWN = 10

SecretariatTask = Literal["digest", "record"]


def _names(names: list[str]) -> str:
    shown = ", ".join(escape(n) for n in names[:NAMES_SHOWN])
    more = len(names) - NAMES_SHOWN
    return shown + (f" and {more} more" if more > 0 else "")


# -- the digest -----------------------------------------------------------------------------------


def digest_message(digest: Digest, heading: str | None = None) -> SlackMessage:
    """The digest for one recipient; a quiet day is one line.

    A large meeting's digest goes on in further direct messages (`more`): every item with news
    is in it, each message within Slack's limits."""
    title = heading or f"Digest: {digest.meeting_title}"
    new = sum(len(i.new_comments) for i in digest.items)
    if digest.quiet:
        open_items = [i for i in digest.items if i.silent_members or i.closing_at]
        line = f"{escape(title)}: nothing new since your last digest."
        if open_items:
            line += f" {len(open_items)} item(s) still open for comments."
        for item in digest.items:
            if item.concerns_until is not None:
                until = date_token(item.concerns_until, digest.timezone)
                line += f" Item {item.number}: final concerns open until {until}."
        return SlackMessage(text=fallback(line, ""), blocks=sections(line))
    late = sum(c.late for i in digest.items for c in i.new_comments)
    delegations = {c.delegation for i in digest.items for c in i.new_comments}
    summary = (
        f"{new} new comment(s) from {len(delegations)} delegation(s)"
        + (f", {late} late" if late else "")
        + (
            f"; {len(digest.strays)} reply(ies) from people not on the roster"
            if digest.strays
            else ""
        )
        + (f"; {digest.new_objections} new objection(s)" if digest.new_objections else "")
        + (f"; {_group_news(digest.groups)}" if digest.groups else "")
        + f". As of {date_token(digest.now, digest.timezone)}."
    )
    blocks: list[dict[str, Any]] = [*header(title), *contexts(summary)]
    for item in digest.items:
        lines = digest_item_lines(item, digest.timezone)
        if lines:
            blocks += sections("\n".join(lines))
    if digest.strays:
        rows = [
            f"• item {number}, <@{user}>: {escape(text)}"
            for number, user, text in digest.strays[:STRAYS_SHOWN]
        ]
        if len(digest.strays) > STRAYS_SHOWN:
            rows.append(f"… and {len(digest.strays) - STRAYS_SHOWN} more")
        blocks += sections(
            "*Replies from people not on the roster* (not counted)\n" + "\n".join(rows)
        )
    if digest.groups:
        rows = [f"• {escape(name)}: {count} new message(s)" for name, count in digest.groups]
        blocks += sections("*Drafting groups*\n" + "\n".join(rows))
    return message(fallback(f"{title}: {summary}", ""), blocks, continued=f"{title}, continued")


def _group_news(groups: list[tuple[str, int]]) -> str:
    messages = sum(count for _, count in groups)
    return f"{messages} new message(s) in {len(groups)} drafting group(s)"


def digest_item_lines(item: DigestItem, timezone: str) -> list[str]:
    """One item's news, heading first; none when there is nothing to say about it."""
    lines: list[str] = []
    if item.new_comments:
        tally: dict[str, int] = {}
        for comment in item.new_comments:
            tally[comment.delegation] = tally.get(comment.delegation, 0) + 1
        by = ", ".join(f"{escape(name)} {count}" for name, count in tally.items())
        lines.append(f"• {len(item.new_comments)} new: {by}")
        for comment in item.new_comments[:EXCERPTS_PER_ITEM]:
            link = f" (<{comment.permalink}|open>)" if comment.permalink else ""
            late = " _late_" if comment.late else ""
            if comment.final_concern:
                late = " _final concern_" + late
            label = COMMENT_KIND_LABELS.get(comment.kind or "")
            kind = f" · *{label}*" if label else ""
            who = escape(comment.delegation)
            if comment.author:  # the person, with their delegation
                who = f"{escape(comment.author)} ({who})"
            lines.append(f"   > {escape(comment.excerpt)} — {who}{kind}{late}{link}")
        if len(item.new_comments) > EXCERPTS_PER_ITEM:
            lines.append(
                f"   … and {len(item.new_comments) - EXCERPTS_PER_ITEM} more in the thread"
            )
    for revision in item.new_revisions:
        document = document_link(revision.code, revision.url)
        window = (
            f"; final concerns until {date_token(revision.concerns_until, timezone)}"
            if revision.concerns_until is not None
            else ""
        )
        lines.append(f"• :page_facing_up: revised document {document} published{window}")
    if item.concerns_until is not None and not item.new_revisions:
        lines.append(f"• final concerns open until {date_token(item.concerns_until, timezone)}")
    if item.closing_at is not None:
        lines.append(f"• :hourglass: closes {date_token(item.closing_at, timezone)}")
    if item.silent_members:
        silent = item.silent_members
        lines.append(f"• silent member delegations ({len(silent)}): {_names(silent)}")
    lines += [f"• :classical_building: {escape(decision_line(d))}" for d in item.new_decisions]
    silence = silence_state(item, timezone)
    if silence:
        lines.append(f"• :shushing_face: silence procedure {escape(silence)}")
    if item.awaiting_chair:
        lines.append("• awaiting the chair's decision")
    if not lines:
        return []
    return [f"*Item {item.number}: {escape(item.title)}*", *lines]


def decision_line(decision: NewDecision) -> str:
    """ "Approved (by the chair): text", labelled as everywhere else ("Taken note of", not the
    bare "Noted" the digest used to print)."""
    how = procedure_label(decision.procedure)
    return f"{decision_label(decision.kind)} ({how}): {decision.excerpt}"


def silence_state(item: DigestItem, timezone: str) -> str | None:
    """A silence procedure not ended, in the meeting's own zone (the digest's fixed format)."""
    if item.silence == "running" and item.silence_until is not None:
        until = item.silence_until.astimezone(ZoneInfo(timezone))
        return f"running until {until:%a %d %b %H:%M}"
    if item.silence == "broken":
        return "broken by an objection: awaiting the chair"
    return None


def final_digest_heading(meeting_title: str) -> str:
    return f"Final digest: {meeting_title}"


# -- closing the session --------------------------------------------------------------------------


def figures_lines(summary: SummaryRecord) -> list[str]:
    f = summary.figures
    kinds = f.by_kind
    return [
        f"*Participants:* {f.registered} registered, {f.took_part} took part",
        f"*Delegations taking part:* {len(f.members_taking_part)} of {f.member_delegations} "
        f"members, {len(f.observers_taking_part)} of {f.observer_delegations} observers",
        f"*Comments:* {f.comments} (members {kinds['member']}, observers {kinds['observer']}, "
        f"chair {kinds['chair']}, secretariat {kinds['secretariat']}); {f.withdrawn} withdrawn, "
        f"counted apart; {f.late} late; {f.edited} edited",
        "*Per item:* "
        + ", ".join(f"{number}: {sum(c.values())}" for number, c in f.by_item.items()),
        "*Per week:* " + ", ".join(f"{week}: {sum(c.values())}" for week, c in f.by_week.items()),
    ]


def figures_message(summary: SummaryRecord) -> SlackMessage:
    lines = [f"*{escape(summary.title)}: the session in figures*", *figures_lines(summary)]
    decided = [i for i in summary.items if i.decision is not None]
    lines.append(f"*Decisions:* {len(decided)} of {len(summary.items)} items")
    for item in decided:
        assert item.decision is not None
        how = procedure_label(item.decision.procedure)
        label = decision_label(item.decision.kind)
        lines.append(f"• {item.number}: {label} ({how})")
    return message(
        fallback(f"{summary.title}: the session in figures", ""),
        sections("\n".join(lines)),
        continued=f"{summary.title}: the session in figures, continued",
    )


def closing_message(summary: SummaryRecord) -> SlackMessage:
    f = summary.figures
    decided = sum(1 for i in summary.items if i.decision is not None)
    text = (
        f":checkered_flag: *{escape(summary.title)} is closed.* Thank you all: {f.comments} "
        f"comments from {len(f.members_taking_part)} member and {len(f.observers_taking_part)} "
        f"observer delegations; {decided} of {len(summary.items)} items decided. The secretariat "
        "will circulate the summary record."
    )
    return SlackMessage(text=fallback(f"{summary.title} is closed.", ""), blocks=sections(text))


def record_upload_comment(meeting_title: str) -> str:
    """With the final digest: the record and the charts."""
    return f"The record of {meeting_title}, and its charts."


def summary_upload_comment(meeting_title: str) -> str:
    """With `/record` (or the Home's button): the record alone."""
    return f"The summary record of {meeting_title}."


def record_file_title(meeting_title: str, fmt: Literal["html", "xlsx"]) -> str:
    what = "summary record" if fmt == "html" else "comments and figures"
    return f"{meeting_title}: {what}"


# -- private replies ------------------------------------------------------------------------------

_TASK_REPLIES: dict[SecretariatTask, str] = {
    "digest": "Your digest is on its way to your direct messages.",
    "record": "The summary record (HTML and XLSX) is being prepared for your direct messages.",
}


def task_reply(task: SecretariatTask) -> str:
    """`/digest` or `/record` accepted: the work follows in the user's direct messages."""
    return _TASK_REPLIES[task]


def close_reply(request: CloseRequest) -> str:
    """What `/close` answers privately."""
    match request.outcome:
        case "refused":
            assert request.refusal is not None
            return refusal_text(request.refusal)
        case "already_closed":
            return f"{request.meeting_title} is already closed; the final digest was sent then."
        case "closed":
            return (
                f"{request.meeting_title} is closed. The closing message goes to the channel, "
                "and the final digest with the figures, charts and record to the secretariat."
            )


STALE_HOME_BUTTON = (
    "That button belongs to a meeting Docket no longer has. Open the Home tab again to see what "
    "is current."
)
