"""The secretariat's words: the digest, the session in figures, the closing message, and the
private replies of `/digest`, `/record`, `/close` and the Home's secretariat buttons.

Pure functions of `bot.domain.digest`, `bot.domain.summary` and `bot.domain.session_end`
values, in the active language (bot/views/i18n.py): the digest and the replies in the
reader's, the closing message in every meeting language (its caller's `in_languages`).
Deadlines use Slack's date token, as every other message does.
"""

from typing import Any, Literal
from zoneinfo import ZoneInfo

from babel.dates import format_datetime

from bot.domain.digest import NEW_COMMENTS_KEPT, Digest, DigestItem, NewDecision
from bot.domain.session_end import CloseRequest
from bot.domain.summary import SummaryRecord
from bot.views.fit import contexts, fallback, header, message, sections
from bot.views.i18n import N_, _, active_language, ngettext, translated
from bot.views.labels import COMMENT_KIND_LABELS, decision_label, procedure_label
from bot.views.messages import SlackMessage, date_token, document_link, escape
from bot.views.refusals import refusal_text

EXCERPTS_PER_ITEM = NEW_COMMENTS_KEPT  # what `build_digest` keeps in full, no more
NAMES_SHOWN = 15
STRAYS_SHOWN = 10

SecretariatTask = Literal["digest", "record"]


def _names(names: list[str]) -> str:
    shown = ", ".join(escape(n) for n in names[:NAMES_SHOWN])
    more = len(names) - NAMES_SHOWN
    return _("{names} and {count} more", names=shown, count=more) if more > 0 else shown


# -- the digest -----------------------------------------------------------------------------------


def digest_message(digest: Digest, heading: str | None = None) -> SlackMessage:
    """The digest for one recipient; a quiet day is one line.

    A large meeting's digest goes on in further direct messages (`more`): every item with news
    is in it, each message within Slack's limits."""
    meeting = translated(digest.meeting_title, digest.meeting_translations, "title")
    title = heading or _("Digest: {meeting}", meeting=meeting)
    totals = [item.totals for item in digest.items]
    new = sum(t.count for t in totals)
    if digest.quiet:
        open_items = [i for i in digest.items if i.silent_members or i.closing_at]
        line = _("{title}: nothing new since your last digest.", title=escape(title))
        if open_items:
            line += " " + ngettext(
                "{count} item(s) still open for comments.",
                "{count} item(s) still open for comments.",
                len(open_items),
            )
        for item in digest.items:
            if item.concerns_until is not None:
                until = date_token(item.concerns_until, digest.timezone)
                line += " " + _(
                    "Item {number}: final concerns open until {deadline}.",
                    number=item.number,
                    deadline=until,
                )
        return SlackMessage(text=fallback(line, ""), blocks=sections(line))
    late = sum(t.late for t in totals)
    delegations = {name for t in totals for name in t.by_delegation}
    news = _(
        "{comments} from {delegations}",
        comments=ngettext("{count} new comment(s)", "{count} new comment(s)", new),
        delegations=ngettext("{count} delegation(s)", "{count} delegation(s)", len(delegations)),
    )
    if late:
        news = _("{news}, {count} late", news=news, count=late)
    clauses = [news]
    if digest.strays:
        clauses.append(
            ngettext(
                "{count} reply(ies) from people not on the roster",
                "{count} reply(ies) from people not on the roster",
                len(digest.strays),
            )
        )
    if digest.new_objections:
        clauses.append(
            ngettext("{count} new objection(s)", "{count} new objection(s)", digest.new_objections)
        )
    if digest.groups:
        clauses.append(_group_news(digest.groups))
    summary = _(
        "{news}. As of {moment}.",
        news=_clauses(clauses),
        moment=date_token(digest.now, digest.timezone),
    )
    blocks: list[dict[str, Any]] = [*header(title), *contexts(summary)]
    for item in digest.items:
        lines = digest_item_lines(item, digest.timezone)
        if lines:
            blocks += sections("\n".join(lines))
    if digest.strays:
        rows = [
            "• "
            + _("item {number}, {user}: {text}", number=number, user=mention, text=escape(text))
            for number, mention, text in (
                (number, f"<@{user}>", text) for number, user, text in digest.strays[:STRAYS_SHOWN]
            )
        ]
        if len(digest.strays) > STRAYS_SHOWN:
            rows.append(_("… and {count} more", count=len(digest.strays) - STRAYS_SHOWN))
        heading_line = _("*Replies from people not on the roster* (not counted)")
        blocks += sections(heading_line + "\n" + "\n".join(rows))
    if digest.groups:
        rows = [
            "• "
            + ngettext(
                "{name}: {count} new message(s)",
                "{name}: {count} new message(s)",
                count,
                name=escape(name),
            )
            for name, count in digest.groups
        ]
        blocks += sections(_("*Drafting groups*") + "\n" + "\n".join(rows))
    return message(
        fallback(_("{title}: {summary}", title=title, summary=summary), ""),
        blocks,
        continued=_("{title}, continued", title=title),
    )


def _clauses(clauses: list[str]) -> str:
    """ "a; b; c", with the language's punctuation."""
    joined = clauses[0]
    for clause in clauses[1:]:
        joined = _("{first}; {second}", first=joined, second=clause)
    return joined


def _group_news(groups: list[tuple[str, int]]) -> str:
    messages = sum(count for _name, count in groups)
    return _(
        "{messages} in {groups}",
        messages=ngettext("{count} new message(s)", "{count} new message(s)", messages),
        groups=ngettext("{count} drafting group(s)", "{count} drafting group(s)", len(groups)),
    )


def digest_item_lines(item: DigestItem, timezone: str) -> list[str]:
    """One item's news, heading first; none when there is nothing to say about it."""
    lines: list[str] = []
    totals = item.totals
    if totals.count:
        by = ", ".join(f"{escape(name)} {count}" for name, count in totals.by_delegation.items())
        count = totals.count
        lines.append("• " + ngettext("{count} new: {by}", "{count} new: {by}", count, by=by))
        for comment in item.new_comments[:EXCERPTS_PER_ITEM]:
            opening = _("open")
            link = f" (<{comment.permalink}|{opening}>)" if comment.permalink else ""
            late = " " + _("_late_") if comment.late else ""
            if comment.final_concern:
                late = " " + _("_final concern_") + late
            label = COMMENT_KIND_LABELS.get(comment.kind or "")
            kind = f" · *{_(label)}*" if label else ""
            who = escape(comment.delegation)
            if comment.author:  # the person, with their delegation
                who = f"{escape(comment.author)} ({who})"
            lines.append(f"   > {escape(comment.excerpt)} — {who}{kind}{late}{link}")
        if count > EXCERPTS_PER_ITEM:
            more = count - EXCERPTS_PER_ITEM
            lines.append("   " + _("… and {count} more in the thread", count=more))
    for revision in item.new_revisions:
        document = document_link(revision.code, revision.url)
        if revision.concerns_until is not None:
            said = _(
                "revised document {document} published; final concerns until {deadline}",
                document=document,
                deadline=date_token(revision.concerns_until, timezone),
            )
        else:
            said = _("revised document {document} published", document=document)
        lines.append(f"• :page_facing_up: {said}")
    if item.concerns_until is not None and not item.new_revisions:
        until = date_token(item.concerns_until, timezone)
        lines.append("• " + _("final concerns open until {deadline}", deadline=until))
    if item.closing_at is not None:
        closes = date_token(item.closing_at, timezone)
        lines.append("• :hourglass: " + _("closes {deadline}", deadline=closes))
    if item.silent_members:
        silent = item.silent_members
        lines.append(
            "• "
            + _(
                "silent member delegations ({count}): {names}",
                count=len(silent),
                names=_names(silent),
            )
        )
    lines += [f"• :classical_building: {escape(decision_line(d))}" for d in item.new_decisions]
    silence = silence_state(item, timezone)
    if silence:
        lines.append("• :shushing_face: " + _("silence procedure {state}", state=escape(silence)))
    if item.awaiting_chair:
        lines.append("• " + _("awaiting the chair's decision"))
    if not lines:
        return []
    title = escape(translated(item.title, item.translations, "title"))
    return [_("*Item {number}: {title}*", number=item.number, title=title), *lines]


def decision_line(decision: NewDecision) -> str:
    """ "Approved (by the chair): text", labelled as everywhere else ("Taken note of", not the
    bare "Noted" the digest used to print)."""
    how = procedure_label(decision.procedure)
    return f"{decision_label(decision.kind)} ({how}): {decision.excerpt}"


def silence_state(item: DigestItem, timezone: str) -> str | None:
    """A silence procedure not ended, in the meeting's own zone (the digest's fixed format,
    "Fri 17 Jul 14:00", as the active language writes it)."""
    if item.silence == "running" and item.silence_until is not None:
        zone = ZoneInfo(timezone)
        until = format_datetime(
            item.silence_until.astimezone(zone),
            "EEE dd MMM HH:mm",
            tzinfo=zone,
            locale=active_language(),
        )
        return _("running until {moment}", moment=until)
    if item.silence == "broken":
        return _("broken by an objection: awaiting the chair")
    return None


def final_digest_heading(meeting_title: str) -> str:
    return _("Final digest: {meeting}", meeting=meeting_title)


# -- closing the session --------------------------------------------------------------------------


def figures_lines(summary: SummaryRecord) -> list[str]:
    f = summary.figures
    kinds = f.by_kind
    return [
        _(
            "*Participants:* {registered} registered, {took_part} took part",
            registered=f.registered,
            took_part=f.took_part,
        ),
        _(
            "*Delegations taking part:* {members} of {member_delegations} members, "
            "{observers} of {observer_delegations} observers",
            members=len(f.members_taking_part),
            member_delegations=f.member_delegations,
            observers=len(f.observers_taking_part),
            observer_delegations=f.observer_delegations,
        ),
        _(
            "*Comments:* {comments} (members {members}, observers {observers}, chair {chair}, "
            "secretariat {secretariat}); {withdrawn} withdrawn, counted apart; {late} late; "
            "{edited} edited",
            comments=f.comments,
            members=kinds["member"],
            observers=kinds["observer"],
            chair=kinds["chair"],
            secretariat=kinds["secretariat"],
            withdrawn=f.withdrawn,
            late=f.late,
            edited=f.edited,
        ),
        _(
            "*Per item:* {counts}",
            counts=", ".join(f"{number}: {sum(c.values())}" for number, c in f.by_item.items()),
        ),
        _(
            "*Per week:* {counts}",
            counts=", ".join(f"{week}: {sum(c.values())}" for week, c in f.by_week.items()),
        ),
    ]


def figures_message(summary: SummaryRecord) -> SlackMessage:
    title = summary.title
    lines = [
        _("*{meeting}: the session in figures*", meeting=escape(title)),
        *figures_lines(summary),
    ]
    decided = [i for i in summary.items if i.decision is not None]
    lines.append(
        _("*Decisions:* {decided} of {count} items", decided=len(decided), count=len(summary.items))
    )
    for item in decided:
        assert item.decision is not None
        how = procedure_label(item.decision.procedure)
        label = decision_label(item.decision.kind)
        lines.append(f"• {item.number}: {label} ({how})")
    return message(
        fallback(_("{meeting}: the session in figures", meeting=title), ""),
        sections("\n".join(lines)),
        continued=_("{meeting}: the session in figures, continued", meeting=title),
    )


def closing_message(summary: SummaryRecord) -> SlackMessage:
    """To the channel: its caller renders it in every meeting language (`in_languages`)."""
    f = summary.figures
    title = summary.title
    decided = sum(1 for i in summary.items if i.decision is not None)
    text = _(
        ":checkered_flag: *{meeting} is closed.* Thank you all: {comments} comments from "
        "{members} member and {observers} observer delegations; {decided} of {count} items "
        "decided. The secretariat will circulate the summary record.",
        meeting=escape(title),
        comments=f.comments,
        members=len(f.members_taking_part),
        observers=len(f.observers_taking_part),
        decided=decided,
        count=len(summary.items),
    )
    return SlackMessage(
        text=fallback(_("{meeting} is closed.", meeting=title), ""), blocks=sections(text)
    )


def record_upload_comment(meeting_title: str) -> str:
    """With the final digest: the record and the charts."""
    return _("The record of {meeting}, and its charts.", meeting=meeting_title)


def summary_upload_comment(meeting_title: str) -> str:
    """With `/record` (or the Home's button): the record alone."""
    return _("The summary record of {meeting}.", meeting=meeting_title)


def record_file_title(meeting_title: str, fmt: Literal["html", "xlsx"]) -> str:
    if fmt == "html":
        return _("{meeting}: summary record", meeting=meeting_title)
    return _("{meeting}: comments and figures", meeting=meeting_title)


# -- private replies ------------------------------------------------------------------------------

_TASK_REPLIES: dict[SecretariatTask, str] = {
    "digest": N_("Your digest is on its way to your direct messages."),
    "record": N_("The summary record (HTML and XLSX) is being prepared for your direct messages."),
}


def task_reply(task: SecretariatTask) -> str:
    """`/digest` or `/record` accepted: the work follows in the user's direct messages."""
    return _(_TASK_REPLIES[task])


def close_reply(request: CloseRequest) -> str:
    """What `/close` answers privately."""
    match request.outcome:
        case "refused":
            assert request.refusal is not None
            return refusal_text(request.refusal)
        case "already_closed":
            return _(
                "{meeting} is already closed; the final digest was sent then.",
                meeting=request.meeting_title,
            )
        case "closed":
            return _(
                "{meeting} is closed. The closing message goes to the channel, and the final "
                "digest with the figures, charts and record to the secretariat.",
                meeting=request.meeting_title,
            )


# Translated where read: `_(STALE_HOME_BUTTON)`, in the reader's language.
STALE_HOME_BUTTON = N_(
    "That button belongs to a meeting Docket no longer has. Open the Home tab again to see what "
    "is current."
)
