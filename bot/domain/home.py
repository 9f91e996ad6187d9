"""What each person's App Home shows, as plain data: one section per meeting and role.

A delegate sees the items open for comments, whether their delegation has commented on each
(a withdrawn comment does not count) and the silence procedures they may object to; the chair
sees the posted items awaiting a decision and the silence procedures under way; the
secretariat sees the live participation figures.  Someone on no roster sees an explanation.

`build_homes` reads the database with a fixed number of queries, whatever the number of
viewers, meetings, items or comments, so refreshing every Home a change concerns stays cheap.
The figures count as the summary record does (`bot/summary.py`): active comments by the kind
of their author, withdrawn ones apart.

Data only: `bot.views.home` turns a `Home` into Block Kit and `handlers.home` publishes it.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Literal, cast

from sqlalchemy import and_, case, distinct, func, not_, or_
from sqlalchemy import select as select_columns
from sqlmodel import Session, col, select

from bot.core.db import insert_or_ignore
from bot.domain.digest import comments_on, permalink
from bot.domain.enrolment import JoinLine, RequestLine, join_lines, pending_requests
from bot.domain.permissions import Permission, allowed
from models import (
    AgendaItem,
    Comment,
    Decision,
    Delegation,
    DelegationKind,
    DraftingGroup,
    DraftingGroupMember,
    HomeViewer,
    Meeting,
    Participant,
    RevisedDocument,
    SilenceProcedure,
)

KINDS = ("member", "observer", "chair", "secretariat")  # the summary record's order
DELEGATE_ROLES = ("member", "observer")
ROLE_KINDS = ("chair", "secretariat")  # who write for no delegation, counted as themselves

SilenceState = Literal["running", "broken"]  # a silence procedure not ended


@dataclass(frozen=True)
class ItemLine:
    """One agenda item as a Home lists it."""

    number: int
    title: str
    deadline_at: datetime | None
    link: str | None  # the item's thread
    commented: bool = False  # by the viewer's delegation (delegate sections)
    comments_open: bool = True
    silence: SilenceState | None = None  # chair sections
    silence_until: datetime | None = None
    translations: str = ""  # its texts in the meeting's other languages (JSON; see models)


@dataclass(frozen=True)
class SilenceLine:
    number: int
    title: str
    status: SilenceState
    deadline_at: datetime
    text: str
    link: str | None
    translations: str = ""  # its texts in the meeting's other languages (JSON; see models)


@dataclass(frozen=True)
class ConcernLine:
    """A revised document whose final-concerns window is open."""

    number: int
    title: str
    code: str
    url: str
    deadline_at: datetime
    link: str | None  # the item's thread, where final concerns are written
    translations: str = ""  # its texts in the meeting's other languages (JSON; see models)


@dataclass(frozen=True)
class DelegateSection:
    delegation: str
    kind: DelegationKind
    open_items: list[ItemLine]
    silences: list[SilenceLine]  # running ones: a member delegation may object
    concerns: list[ConcernLine] = field(default_factory=list)  # open final-concerns windows


@dataclass(frozen=True)
class ChairSection:
    awaiting: list[ItemLine]  # posted, no decision yet
    silences: list[SilenceLine]  # running or broken, not ended


@dataclass(frozen=True)
class Figures:
    registered: int
    took_part: int
    comments: int  # active formal comments
    by_kind: dict[str, int]
    withdrawn: int  # counted apart
    late: int
    member_delegations: int
    observer_delegations: int
    members_taking_part: int
    observers_taking_part: int


@dataclass(frozen=True)
class SecretariatSection:
    figures: Figures
    requests: list[RequestLine] = field(default_factory=list)  # pending requests to join


@dataclass(frozen=True)
class GroupLine:
    """A drafting group the viewer is in (the secretariat sees all of the meeting's)."""

    name: str
    channel: str  # the private channel's id
    item: int | None  # the item it works on; None for a free topic
    topic: str


@dataclass(frozen=True)
class MeetingHome:
    meeting_id: int
    key: str
    title: str
    channel: str
    timezone: str
    closed: bool
    delegate: DelegateSection | None = None
    chair: ChairSection | None = None
    secretariat: SecretariatSection | None = None
    groups: list[GroupLine] = field(default_factory=list)
    viewer_name: str | None = None  # the viewer's name on this roster; None: none known
    translations: str = ""  # its texts in the meeting's other languages (JSON; see models)


@dataclass(frozen=True)
class Home:
    user_id: str
    now: datetime
    meetings: list[MeetingHome] = field(default_factory=list)  # empty: on no roster
    joinable: list[JoinLine] = field(default_factory=list)  # on no roster: meetings to ask to join


def item_link(team_url: str | None, item: AgendaItem) -> str | None:
    """The item's thread: Slack's own permalink format, built locally like the digest's links.

    Without the workspace URL, Slack's app_redirect still opens the meeting channel.
    """
    if item.post_channel is None or item.post_ts is None:
        return None
    link = permalink(team_url, item.post_channel, item.post_ts, item.post_ts)
    return link or f"https://slack.com/app_redirect?channel={item.post_channel}"


Section = Literal["delegate", "chair", "secretariat"]


def _section_of(participant: Participant, delegation: Delegation | None) -> Section | None:
    """The one section a roster entry gets on the Home; None: none (a role with no rights)."""
    if participant.role in DELEGATE_ROLES and delegation is not None:
        return "delegate"
    if allowed(participant.role, Permission.DECIDE):
        return "chair"
    if allowed(participant.role, Permission.MANAGE):  # the figures and its buttons
        return "secretariat"
    return None


def build_homes(
    session: Session, *, user_ids: Iterable[str], now: datetime, team_url: str | None
) -> dict[str, Home]:
    """Every viewer's Home, in at most fourteen queries whatever the size of the meetings.

    Comments are read only as far as a section shows them: counted by the database for the
    secretariat's figures (in the meetings where a viewer is secretariat), looked up per item
    for the viewers' own delegations; the chair's section reads none."""
    wanted = list(dict.fromkeys(user_ids))
    homes: dict[str, Home] = {user: Home(user_id=user, now=now) for user in wanted}
    if not wanted:
        return homes
    roles = list(
        session.exec(
            select(Participant, Meeting, Delegation)
            .join(Meeting, col(Meeting.id) == col(Participant.meeting_id))
            .join(Delegation, col(Delegation.id) == col(Participant.delegation_id), isouter=True)
            .where(col(Participant.user_id).in_(wanted), col(Participant.active))
            .order_by(col(Meeting.key), col(Participant.id))
        )
    )
    on_a_roster = {participant.user_id for participant, _, _ in roles}
    strangers = [user for user in wanted if user not in on_a_roster]
    for user, lines in join_lines(session, user_ids=strangers).items():
        homes[user] = replace(homes[user], joinable=lines)
    if not roles:
        return homes
    sections = [(_section_of(p, d), p, m, d) for p, m, d in roles]
    meeting_ids = sorted({meeting.id for _, meeting, _ in roles if meeting.id is not None})
    # Meetings where a viewer sees the figures; the delegations whose comments a viewer sees.
    managed = sorted({m.id for kind, _, m, _ in sections if kind == "secretariat" and m.id})
    own = sorted({d.id for kind, _, _, d in sections if kind == "delegate" and d and d.id})
    requests = pending_requests(session, meeting_ids=managed)
    items = list(
        session.exec(
            select(AgendaItem)
            .where(col(AgendaItem.meeting_id).in_(meeting_ids), col(AgendaItem.active))
            .order_by(col(AgendaItem.position), col(AgendaItem.number))
        )
    )
    item_ids = [item.id for item in items]
    spoke = _delegations_spoken(session, item_ids=item_ids, delegation_ids=own)
    managed_items = [item.id for item in items if item.meeting_id in managed]
    figures = _meeting_figures(session, meeting_ids=managed, item_ids=managed_items)
    decided = set(
        session.exec(select(Decision.item_id).where(col(Decision.item_id).in_(item_ids)).distinct())
    )
    procedures: dict[int, SilenceProcedure] = {}
    for procedure in session.exec(
        select(SilenceProcedure)
        .where(
            col(SilenceProcedure.item_id).in_(item_ids),
            col(SilenceProcedure.ended_at).is_(None),
            col(SilenceProcedure.status).in_(("running", "broken")),
        )
        .order_by(col(SilenceProcedure.started_at), col(SilenceProcedure.id))
    ):
        procedures[procedure.item_id] = procedure  # the latest open one per item
    group_rows = list(
        session.exec(
            select(DraftingGroup, DraftingGroupMember.user_id)
            .join(DraftingGroupMember, col(DraftingGroupMember.group_id) == col(DraftingGroup.id))
            .where(
                col(DraftingGroup.meeting_id).in_(meeting_ids),
                col(DraftingGroup.channel).is_not(None),
            )
            .order_by(col(DraftingGroup.id))
        )
    )
    numbers = {item.id: item.number for item in items}
    windows: dict[int, RevisedDocument] = {}
    for revision in session.exec(
        select(RevisedDocument)
        .where(
            col(RevisedDocument.item_id).in_(item_ids),
            col(RevisedDocument.concerns_deadline_at) > now,
        )
        .order_by(col(RevisedDocument.published_at), col(RevisedDocument.id))
    ):
        windows[revision.item_id] = revision  # the latest open one per item

    items_by_meeting: dict[int, list[AgendaItem]] = defaultdict(list)
    for item in items:
        items_by_meeting[item.meeting_id].append(item)

    for kind, participant, meeting, delegation in sections:
        assert meeting.id is not None
        agenda = items_by_meeting.get(meeting.id, [])
        section = MeetingHome(
            meeting_id=meeting.id,
            key=meeting.key,
            title=meeting.title,
            translations=meeting.translations,
            channel=meeting.channel,
            timezone=meeting.timezone,
            closed=meeting.closed_at is not None,
            viewer_name=participant.name or participant.profile_name,
        )
        if kind == "delegate":
            assert delegation is not None
            section = _with_delegate(
                section, delegation, agenda, spoke, procedures, windows, now, team_url
            )
        elif kind == "chair":
            section = _with_chair(section, agenda, decided, procedures, now, team_url)
        elif kind == "secretariat":
            pending = requests.get(meeting.id, [])
            section = replace(section, secretariat=SecretariatSection(figures[meeting.id], pending))
        else:
            continue
        section = replace(
            section,
            groups=_groups_for(group_rows, participant, meeting.id, numbers),
        )
        home = homes[participant.user_id]
        homes[participant.user_id] = Home(
            user_id=home.user_id, now=now, meetings=[*home.meetings, section]
        )
    return homes


def _delegations_spoken(
    session: Session, *, item_ids: list[int | None], delegation_ids: list[int]
) -> dict[int, set[int]]:
    """Item id -> those of `delegation_ids` with an active comment on it (a withdrawn comment
    does not count): what a delegate's section says of their own delegation."""
    spoke: dict[int, set[int]] = defaultdict(set)
    if not delegation_ids:
        return spoke
    for item_id, delegation_id in session.execute(
        select_columns(col(Comment.item_id), col(Comment.delegation_id))
        .where(
            comments_on(item_ids),
            col(Comment.delegation_id).in_(delegation_ids),
            col(Comment.status) == "active",
        )
        .distinct()
    ):
        spoke[item_id].add(delegation_id)
    return spoke


def _meeting_figures(
    session: Session, *, meeting_ids: list[int], item_ids: list[int | None]
) -> dict[int, Figures]:
    """Each of `meeting_ids`' participation figures, counted by the database in three queries
    (comments, delegations, participants), never read a comment at a time.

    As the summary record counts: an active comment by the kind of its author (the author's
    delegation decides, unless they wrote as chair or secretariat), a withdrawn one apart; a
    delegation takes part with an active comment written for it."""
    if not meeting_ids:
        return {}
    active = col(Comment.status) == "active"
    as_delegation = col(Comment.role).not_in(ROLE_KINDS)
    kind = case(
        (or_(col(Comment.role).in_(ROLE_KINDS), col(Delegation.id).is_(None)), col(Comment.role)),
        else_=col(Delegation.kind),
    )

    def taking_part(delegation_kind: str) -> Any:
        """The active delegations of that kind with an active comment written for them."""
        part = and_(
            active, as_delegation, col(Delegation.active), col(Delegation.kind) == delegation_kind
        )
        return func.count(distinct(case((part, col(Delegation.id)))))

    counts = (
        session.connection()
        .execute(
            select_columns(
                col(AgendaItem.meeting_id),
                _count_if(active),
                *(_count_if(active, kind == name) for name in KINDS),
                _count_if(not_(active)),
                _count_if(active, col(Comment.late)),
                func.count(distinct(case((active, col(Comment.user_id))))),
                taking_part("member"),
                taking_part("observer"),
            )
            .join(AgendaItem, col(AgendaItem.id) == col(Comment.item_id))
            .join(
                Delegation,
                and_(
                    col(Delegation.id) == col(Comment.delegation_id),
                    col(Delegation.meeting_id) == col(AgendaItem.meeting_id),
                ),
                isouter=True,
            )
            .where(comments_on(item_ids))
            .group_by(col(AgendaItem.meeting_id))
        )
        .all()
    )
    delegations = session.exec(
        select(Delegation.meeting_id, Delegation.kind, func.count())
        .where(col(Delegation.meeting_id).in_(meeting_ids), col(Delegation.active))
        .group_by(col(Delegation.meeting_id), col(Delegation.kind))
    ).all()
    registered = dict(
        session.exec(
            select(Participant.meeting_id, func.count())
            .where(col(Participant.meeting_id).in_(meeting_ids), col(Participant.active))
            .group_by(col(Participant.meeting_id))
        ).all()
    )
    of_kind = {(meeting_id, kind): count for meeting_id, kind, count in delegations}
    by_meeting = {row[0]: row[1:] for row in counts}
    no_comment = (0,) * (len(KINDS) + 6)  # a meeting none of whose items has a comment yet
    figures: dict[int, Figures] = {}
    for meeting_id in meeting_ids:
        counted = by_meeting.get(meeting_id, no_comment)
        comments, *by_kind, withdrawn, late, took_part, members, observers = counted
        figures[meeting_id] = Figures(
            registered=registered.get(meeting_id, 0),
            took_part=took_part,
            comments=comments,
            by_kind=dict(zip(KINDS, by_kind, strict=True)),
            withdrawn=withdrawn,
            late=late,
            member_delegations=of_kind.get((meeting_id, "member"), 0),
            observer_delegations=of_kind.get((meeting_id, "observer"), 0),
            members_taking_part=members,
            observers_taking_part=observers,
        )
    return figures


def _count_if(*conditions: Any) -> Any:
    """How many rows meet every condition (0, not NULL, when none does)."""
    return func.sum(case((and_(*conditions), 1), else_=0))


def _groups_for(
    rows: list[tuple[DraftingGroup, str]],
    participant: Participant,
    meeting_id: int,
    numbers: dict[int | None, int],
) -> list[GroupLine]:
    """The meeting's drafting groups this participant is in; every one for the secretariat."""
    everyone = allowed(participant.role, Permission.MANAGE)
    seen: dict[int | None, GroupLine] = {}
    for group, member in rows:
        if group.meeting_id != meeting_id or group.id in seen or group.channel is None:
            continue
        if everyone or member == participant.user_id:
            item = numbers.get(group.item_id) if group.item_id is not None else None
            seen[group.id] = GroupLine(group.name, group.channel, item, group.topic)
    return list(seen.values())


def _is_open(item: AgendaItem, now: datetime) -> bool:
    return item.post_ts is not None and (item.deadline_at is None or item.deadline_at > now)


def _silence_line(
    item: AgendaItem, procedure: SilenceProcedure, team_url: str | None
) -> SilenceLine:
    return SilenceLine(
        number=item.number,
        title=item.title,
        translations=item.translations,
        status=cast(SilenceState, procedure.status),
        deadline_at=procedure.deadline_at,
        text=procedure.text,
        link=item_link(team_url, item),
    )


def _with_delegate(
    section: MeetingHome,
    delegation: Delegation,
    agenda: list[AgendaItem],
    spoke: dict[int, set[int]],
    procedures: dict[int, SilenceProcedure],
    windows: dict[int, RevisedDocument],
    now: datetime,
    team_url: str | None,
) -> MeetingHome:
    open_items = [
        ItemLine(
            number=item.number,
            title=item.title,
            translations=item.translations,
            deadline_at=item.deadline_at,
            link=item_link(team_url, item),
            commented=delegation.id in spoke.get(item.id or 0, set()),
        )
        for item in agenda
        if not section.closed and _is_open(item, now)
    ]
    silences = [
        _silence_line(item, procedures[item.id], team_url)
        for item in agenda
        if item.id in procedures and procedures[item.id].status == "running"
    ]
    concerns = [
        ConcernLine(
            number=item.number,
            title=item.title,
            translations=item.translations,
            code=window.code,
            url=window.url,
            deadline_at=window.concerns_deadline_at,
            link=item_link(team_url, item),
        )
        for item in agenda
        if not section.closed
        and (window := windows.get(item.id or 0)) is not None
        and window.concerns_deadline_at is not None
    ]
    delegate = DelegateSection(
        delegation=delegation.name,
        kind=cast(DelegationKind, delegation.kind),
        open_items=open_items,
        silences=silences,
        concerns=concerns,
    )
    return replace(section, delegate=delegate)


def _with_chair(
    section: MeetingHome,
    agenda: list[AgendaItem],
    decided: set[int],
    procedures: dict[int, SilenceProcedure],
    now: datetime,
    team_url: str | None,
) -> MeetingHome:
    awaiting: list[ItemLine] = []
    for item in agenda:
        if item.post_ts is None or item.id in decided:
            continue
        procedure = procedures.get(item.id or 0)
        awaiting.append(
            ItemLine(
                number=item.number,
                title=item.title,
                translations=item.translations,
                deadline_at=item.deadline_at,
                link=item_link(team_url, item),
                comments_open=_is_open(item, now),
                silence=cast(SilenceState, procedure.status) if procedure else None,
                silence_until=procedure.deadline_at if procedure else None,
            )
        )
    silences = [
        _silence_line(item, procedures[item.id], team_url)
        for item in agenda
        if item.id in procedures
    ]
    chair = ChairSection(awaiting=awaiting, silences=silences)
    return replace(section, chair=chair)


# -- who a change concerns ------------------------------------------------------------------------


def viewers_concerned(
    session: Session,
    *,
    meeting_id: int,
    delegation_id: int | None = None,
    chair: bool = False,
    everyone: bool = False,
) -> list[str]:
    """The people whose Home a change in `meeting_id` alters, in one query: only those who
    have opened their Home (`remember_viewer`); the others see it built fresh when they do.

    Always the secretariat (its figures); the members of `delegation_id` (a comment of theirs);
    the chair when `chair` (a decision, a silence procedure); everyone on the roster when
    `everyone` (an item posted, a deadline moved, a silence procedure started or ended).
    """
    roles = [col(Participant.role) == "secretariat"]
    if chair:
        roles.append(col(Participant.role) == "chair")
    if delegation_id is not None:
        roles.append(col(Participant.delegation_id) == delegation_id)
    query = (
        select(Participant.user_id)
        .join(HomeViewer, col(HomeViewer.user_id) == col(Participant.user_id))
        .where(col(Participant.meeting_id) == meeting_id, col(Participant.active))
    )
    if not everyone:
        query = query.where(or_(*roles))
    return list(session.exec(query.order_by(col(Participant.id))))


# -- who has opened their Home --------------------------------------------------------------------


def remember_viewer(session: Session, *, user_id: str, now: datetime) -> bool:
    """Note that `user_id` opened their App Home (Slack's app_home_opened); True the first
    time.  Only the Homes of people noted here are republished when something changes."""
    values = {"user_id": user_id, "first_opened_at": now, "opened_at": now}
    # The database's conflict handling: two openings at once never insert the viewer twice.
    if insert_or_ignore(session, HomeViewer, values, keys=["user_id"]):
        return True
    viewer = session.exec(select(HomeViewer).where(HomeViewer.user_id == user_id)).one()
    viewer.opened_at = max(viewer.opened_at, now)
    return False


def home_viewers(session: Session, *, user_ids: Iterable[str]) -> list[str]:
    """Those of `user_ids` who have opened their Home, in the order given."""
    wanted = list(dict.fromkeys(user_ids))
    if not wanted:
        return []
    seen = set(session.exec(select(HomeViewer.user_id).where(col(HomeViewer.user_id).in_(wanted))))
    return [user for user in wanted if user in seen]
