import asyncio
from datetime import date, timedelta

import pytest

from bot.clock import FixedClock
from bot.coordination import drafts
from bot.coordination.access import Refused
from bot.coordination.drafts import DraftError
from bot.coordination.invites import Expired, Joined, UsedUp
from bot.coordination.service import Coordination, DraftChange, DraftView, Saved
from bot.participation.outcomes import Progress
from bot.participation.service import Participation
from bot.sessions.follow_up import AlreadyFollowed, Offer
from bot.sessions.period import PeriodError
from bot.sessions.rules import SessionConflict
from bot.sessions.service import CannotCancel, create_session
from bot.storage import Database
from bot.storage.database import fetch_all
from bot.storage.deliveries import close_session
from bot.storage.records import Session
from bot.storage.sessions import own_statements, session_statement_codes
from bot.surveys.bank import Bank
from bot.surveys.open_questions import OpenQuestion
from bot.surveys.questionnaire import OwnStatement, Translation
from bot.surveys.respondents import RespondentQuestions
from bot.surveys.vocabulary import Profile
from bot.validation import UnsafeText

ADMIN = 1
ANNA = 10
BEN = 20
TODAY = date(2026, 11, 23)  # the shared NOW is 12:00 in Riga on this day


@pytest.fixture
def coordination(db: Database, clock: FixedClock, bank: Bank) -> Coordination:
    return Coordination(
        db=db,
        clock=clock,
        bank=bank,
        participation=Participation(db=db, clock=clock, bank=bank),
        admins=frozenset({ADMIN}),
        timezone="Europe/Riga",
        minimums={"leader": 2, "teacher": 10, "student": 30},
    )


async def join(coordination: Coordination, school: str, user: int) -> int:
    found = [s for s, _, _ in await coordination.schools(admin=ADMIN) if s.name == school]
    school_id = (
        found[0].id if found else (await coordination.add_school(admin=ADMIN, name=school)).id
    )
    issued = await coordination.invite_coordinator(user=ADMIN, school_id=school_id)
    outcome = await coordination.redeem(token=issued.token, user=user, name=f"user {user}")
    assert isinstance(outcome, Joined)
    return school_id


def own_text(text: str) -> DraftChange:
    """The rule that types `text` as an own statement's text (each rule keeps its own)."""
    return lambda draft, scope: drafts.own_text(draft, scope, text)


def own_group(profile: Profile) -> DraftChange:
    return lambda draft, scope: drafts.toggle_own_group(draft, scope, profile)


async def set_up(
    coordination: Coordination,
    user: int,
    school_id: int,
    *,
    start: date,
    own: int = 1,
    background: bool = False,
) -> DraftView:
    """A draft ready to save: upper-secondary, A6 chosen, `own` own statements, 14 days; the
    questions about the respondents left out unless `background`."""
    view = await coordination.start_draft(user=user, school_id=school_id)
    d = view.draft.id

    async def change(rule: DraftChange) -> DraftView:
        return await coordination.change(user=user, draft_id=d, change=rule)

    await change(lambda x, s: drafts.choose_level(x, s, "upper-secondary"))
    await change(lambda x, s: drafts.toggle_optional(x, s, "A6"))
    if not background:
        await change(drafts.toggle_background)
    for number in range(own):
        await change(drafts.begin_own)
        await change(own_text(f"Own statement {number + 1}"))
        await change(lambda x, s: drafts.own_area(x, s, "C"))
        await change(lambda x, s: drafts.toggle_own_group(x, s, "leader"))
        await change(drafts.own_groups_done)
        await change(lambda x, s: drafts.own_help(x, s, ""))
    await change(drafts.show_dates)
    await change(lambda x, s: drafts.choose_start(x, s, start))
    return await change(lambda x, s: drafts.choose_end(x, s, start + timedelta(days=13)))


async def test_a_coordinator_invite_works_once_and_for_48_hours(
    coordination: Coordination, clock: FixedClock
) -> None:
    school = await coordination.add_school(admin=ADMIN, name="Ogres tehnikums")
    issued = await coordination.invite_coordinator(user=ADMIN, school_id=school.id)
    assert issued.expires_at == clock.now() + timedelta(hours=48)
    assert await coordination.redeem(token=issued.token, user=ANNA, name="Anna") == Joined(
        school, already=False
    )
    assert await coordination.redeem(token=issued.token, user=BEN, name="Ben") == UsedUp()
    late = await coordination.invite_coordinator(user=ANNA, school_id=school.id)
    clock.advance(timedelta(hours=48))
    assert await coordination.redeem(token=late.token, user=BEN, name="Ben") == Expired()
    assert await coordination.redeem(token="participant-token", user=BEN, name=None) is None
    _, team = await coordination.team(user=ANNA, school_id=school.id)
    assert [(c.telegram_id, c.name) for c in team] == [(ANNA, "Anna")]


async def test_admin_operations_are_for_admins_only(coordination: Coordination) -> None:
    for attempt in (
        coordination.add_school(admin=ANNA, name="X"),
        coordination.schools(admin=ANNA),
        coordination.invite_coordinator(user=ANNA, school_name="X"),
    ):
        with pytest.raises(Refused, match="not_admin"):
            await attempt
    await coordination.add_school(admin=ADMIN, name="X")
    with pytest.raises(Refused, match="school_exists"):
        await coordination.add_school(admin=ADMIN, name="x")


async def test_a_coordinator_sees_and_changes_nothing_of_another_school(
    coordination: Coordination,
) -> None:
    school_a = await join(coordination, "A", ANNA)
    school_b = await join(coordination, "B", BEN)
    view = await set_up(coordination, ANNA, school_a, start=TODAY)
    saved = await coordination.save(user=ANNA, draft_id=view.draft.id)
    session_id = saved.session.id
    for attempt in (
        coordination.status(user=BEN, session_id=session_id),
        coordination.preview(user=BEN, session_id=session_id, profile="student"),
        coordination.links(user=BEN, session_id=session_id),
        coordination.session(user=BEN, session_id=session_id),
        coordination.edit_session(user=BEN, session_id=session_id, dates=True),
        coordination.start_draft(user=BEN, school_id=school_a),
        coordination.team(user=BEN, school_id=school_a),
        coordination.invite_coordinator(user=BEN, school_id=school_a),
        coordination.remove_coordinator(user=BEN, school_id=school_a, telegram_id=ANNA),
    ):
        with pytest.raises(Refused, match="not_coordinator"):
            await attempt
    assert (await coordination.overview(user=BEN)).sessions == []
    assert school_b != school_a


async def test_a_set_up_draft_becomes_a_session_once(
    coordination: Coordination, db: Database, bank: Bank
) -> None:
    school = await join(coordination, "A", ANNA)
    view = await set_up(coordination, ANNA, school, start=TODAY, own=2)
    assert view.draft.step == "review"
    saved = await coordination.save(user=ANNA, draft_id=view.draft.id)
    assert saved.created and set(saved.invites) == {"leader", "teacher", "student"}
    with pytest.raises(Refused, match="no_draft"):  # a second tap on Activate
        await coordination.save(user=ANNA, draft_id=view.draft.id)
    async with db.read() as connection:
        sessions = await fetch_all(connection, "SELECT level, start_date, end_date FROM sessions")
        own = await fetch_all(connection, "SELECT code, area, profiles FROM own_statements")
        optional = await fetch_all(
            connection, "SELECT code FROM session_statements WHERE code = 'A6'"
        )
    assert [tuple(row) for row in sessions] == [("upper-secondary", "2026-11-23", "2026-12-06")]
    assert [tuple(row) for row in own] == [
        ("S1", "C", "teacher,student"),
        ("S2", "C", "teacher,student"),
    ]
    assert len(optional) == 1
    report = await coordination.status(user=ANNA, session_id=saved.session.id)
    assert report.state == "open"
    assert [g.level for g in report.groups] == ["none", "none", "none"]
    preview = await coordination.preview(user=ANNA, session_id=saved.session.id, profile="teacher")
    assert "S1" in [item.code for item in preview.items]
    leader = await coordination.preview(user=ANNA, session_id=saved.session.id, profile="leader")
    assert "S1" not in [item.code for item in leader.items]


async def test_own_statement_rules(coordination: Coordination) -> None:
    school = await join(coordination, "A", ANNA)
    view = await set_up(coordination, ANNA, school, start=TODAY, own=10)
    d = view.draft.id
    with pytest.raises(DraftError, match="too_many_own"):
        await coordination.change(user=ANNA, draft_id=d, change=drafts.begin_own)
    await coordination.change(
        user=ANNA, draft_id=d, change=lambda x, s: drafts.delete_own(x, s, "S4")
    )
    view = await coordination.change(user=ANNA, draft_id=d, change=drafts.begin_own)
    for bad, problem in (("   ", "text_empty"), ("x" * 301, "text_too_long")):
        with pytest.raises(DraftError, match=problem):
            await coordination.change(user=ANNA, draft_id=d, change=own_text(bad))
    await coordination.change(
        user=ANNA, draft_id=d, change=lambda x, s: drafts.own_text(x, s, "New")
    )
    await coordination.change(user=ANNA, draft_id=d, change=lambda x, s: drafts.own_area(x, s, "H"))
    profiles: tuple[Profile, ...] = ("leader", "teacher", "student")
    for profile in profiles:
        await coordination.change(user=ANNA, draft_id=d, change=own_group(profile))
    with pytest.raises(DraftError, match="no_groups"):
        await coordination.change(user=ANNA, draft_id=d, change=drafts.own_groups_done)
    await coordination.change(
        user=ANNA, draft_id=d, change=lambda x, s: drafts.toggle_own_group(x, s, "student")
    )
    await coordination.change(user=ANNA, draft_id=d, change=drafts.own_groups_done)
    with pytest.raises(DraftError, match="help_too_long"):
        await coordination.change(
            user=ANNA, draft_id=d, change=lambda x, s: drafts.own_help(x, s, "h" * 351)
        )
    view = await coordination.change(
        user=ANNA, draft_id=d, change=lambda x, s: drafts.own_help(x, s, "When?")
    )
    added = [s for s in view.draft.own if s.code == "S4"]
    assert [(s.text, s.area, sorted(s.profiles), s.help) for s in added] == [
        ("New", "H", ["student"], "When?")
    ]
    view = await coordination.change(
        user=ANNA, draft_id=d, change=lambda x, s: drafts.edit_own(x, s, "S4", "text")
    )
    view = await coordination.change(
        user=ANNA, draft_id=d, change=lambda x, s: drafts.own_text(x, s, "Newer")
    )
    assert [s.text for s in view.draft.own if s.code == "S4"] == ["Newer"]
    assert view.draft.pending is None and view.draft.awaiting is None


async def test_dates_follow_the_period_rules(coordination: Coordination) -> None:
    school = await join(coordination, "A", ANNA)
    view = await set_up(coordination, ANNA, school, start=TODAY)
    d = view.draft.id
    cases = [
        (lambda x, s: drafts.choose_start(x, s, TODAY - timedelta(days=1)), "starts_in_past"),
        (lambda x, s: drafts.choose_both(x, s, TODAY, TODAY + timedelta(days=5)), "too_short"),
        (lambda x, s: drafts.choose_both(x, s, TODAY, TODAY + timedelta(days=21)), "too_long"),
        (
            lambda x, s: drafts.choose_both(x, s, TODAY, TODAY - timedelta(days=9)),
            "end_before_start",
        ),
    ]
    for rule, problem in cases:
        with pytest.raises(PeriodError) as refused:
            await coordination.change(user=ANNA, draft_id=d, change=rule)
        assert refused.value.problem == problem
    stored = await coordination.draft(user=ANNA)
    assert stored is not None and (stored.draft.start, stored.draft.end) == (
        TODAY,
        TODAY + timedelta(days=13),
    )


async def test_statements_change_until_the_start_and_dates_until_the_close(
    coordination: Coordination, clock: FixedClock
) -> None:
    school = await join(coordination, "A", ANNA)
    start = TODAY + timedelta(days=2)
    view = await set_up(coordination, ANNA, school, start=start)
    saved = await coordination.save(user=ANNA, draft_id=view.draft.id)
    session_id = saved.session.id
    participation = coordination.participation

    # Before the start: the own statement goes; the cached questionnaire is dropped.
    clock.set(saved.session.opens_at)
    first = await participation.join(
        token=saved.invites["teacher"], telegram_id=99, chat_id=99, language="en"
    )
    assert isinstance(first, Progress)
    with_own = first.total
    clock.set(saved.session.opens_at - timedelta(hours=1))
    edit = await coordination.edit_session(user=ANNA, session_id=session_id, dates=False)
    await coordination.change(
        user=ANNA, draft_id=edit.draft.id, change=lambda x, s: drafts.delete_own(x, s, "S1")
    )
    await coordination.save(user=ANNA, draft_id=edit.draft.id)
    clock.set(saved.session.opens_at)
    again = await participation.join(
        token=saved.invites["leader"], telegram_id=98, chat_id=98, language="en"
    )
    assert isinstance(again, Progress)
    teacher = await coordination.preview(user=ANNA, session_id=session_id, profile="teacher")
    assert len(teacher) == with_own - 1

    # A draft opened before the start cannot change statements once it has started.
    clock.set(saved.session.opens_at - timedelta(minutes=1))
    late = await coordination.edit_session(user=ANNA, session_id=session_id, dates=False)
    clock.set(saved.session.opens_at)
    with pytest.raises(DraftError, match="statements_locked"):
        await coordination.change(user=ANNA, draft_id=late.draft.id, change=drafts.begin_own)
    await coordination.discard(user=ANNA)
    with pytest.raises(Refused, match="statements_locked"):
        await coordination.edit_session(user=ANNA, session_id=session_id, dates=False)

    # Once open, the end moves within the rules and the start stays.
    dates = await coordination.edit_session(user=ANNA, session_id=session_id, dates=True)
    assert dates.draft.awaiting == "end_date"
    d = dates.draft.id
    with pytest.raises(PeriodError, match="start cannot change"):
        await coordination.change(
            user=ANNA, draft_id=d, change=lambda x, s: drafts.choose_start(x, s, start)
        )
    with pytest.raises(PeriodError, match="at least"):
        await coordination.change(
            user=ANNA,
            draft_id=d,
            change=lambda x, s: drafts.choose_end(x, s, start + timedelta(days=3)),
        )
    await coordination.change(
        user=ANNA,
        draft_id=d,
        change=lambda x, s: drafts.choose_end(x, s, start + timedelta(days=20)),
    )
    changed = await coordination.save(user=ANNA, draft_id=d)
    assert (changed.session.start_date, changed.session.end_date) == (
        start,
        start + timedelta(days=20),
    )

    clock.set(changed.session.closes_at)
    with pytest.raises(Refused, match="closed"):
        await coordination.edit_session(user=ANNA, session_id=session_id, dates=True)


async def test_co_coordinators_are_listed_and_removed(coordination: Coordination) -> None:
    school = await join(coordination, "A", ANNA)
    issued = await coordination.invite_coordinator(user=ANNA, school_id=school)
    await coordination.redeem(token=issued.token, user=BEN, name="Ben")
    with pytest.raises(Refused, match="remove_self"):
        await coordination.remove_coordinator(user=ANNA, school_id=school, telegram_id=ANNA)
    view = await coordination.start_draft(user=BEN, school_id=school)
    assert await coordination.remove_coordinator(user=ANNA, school_id=school, telegram_id=BEN)
    _, team = await coordination.team(user=ANNA, school_id=school)
    assert [c.telegram_id for c in team] == [ANNA]
    with pytest.raises(Refused, match="not_coordinator"):  # their draft's rights went too
        await coordination.change(
            user=BEN, draft_id=view.draft.id, change=lambda x, s: drafts.choose_level(x, s, "vet")
        )


async def test_typed_text_with_control_characters_is_refused_and_nothing_stored(
    coordination: Coordination, db: Database
) -> None:
    with pytest.raises(UnsafeText, match="U\\+202E"):
        await coordination.add_school(admin=ADMIN, name="Rīgas \u202eloksarG skola")
    async with db.read() as connection:
        assert await fetch_all(connection, "SELECT name FROM schools") == []
    school = await join(coordination, "A", ANNA)
    view = await coordination.start_draft(user=ANNA, school_id=school)
    d = view.draft.id
    await coordination.change(
        user=ANNA, draft_id=d, change=lambda x, s: drafts.choose_level(x, s, "vet")
    )
    await coordination.change(user=ANNA, draft_id=d, change=drafts.begin_own)
    for typed in ("Mums\x00 ir printeris", "\x1b[31mSarkans", "Lasi \u2067otrādi\u2069"):
        with pytest.raises(UnsafeText):
            await coordination.change(user=ANNA, draft_id=d, change=own_text(typed))
    # Line breaks and tabs are only whitespace: the statement is kept on one line.
    view = await coordination.change(
        user=ANNA, draft_id=d, change=lambda x, s: drafts.own_text(x, s, "Mums ir\n\tprinteris")
    )
    assert view.draft.pending is not None and view.draft.pending.text == "Mums ir printeris"
    await coordination.change(user=ANNA, draft_id=d, change=lambda x, s: drafts.own_area(x, s, "C"))
    await coordination.change(user=ANNA, draft_id=d, change=drafts.own_groups_done)
    with pytest.raises(UnsafeText, match="the help text contains U\\+0007"):
        await coordination.change(
            user=ANNA, draft_id=d, change=lambda x, s: drafts.own_help(x, s, "Zvans\x07")
        )
    # The refused inputs left no trace: the statement still waits for its help.
    async with db.read() as connection:
        [(own, pending)] = await fetch_all(connection, "SELECT own, pending FROM session_drafts")
    assert own == "[]"
    assert "Mums ir printeris" in pending
    assert not any(word in pending for word in ("Sarkans", "otrādi", "Zvans"))


async def test_names_from_telegram_profiles_lose_their_bidi_overrides(
    coordination: Coordination, db: Database
) -> None:
    school = await coordination.add_school(admin=ADMIN, name="Ogres tehnikums")
    issued = await coordination.invite_coordinator(user=ADMIN, school_id=school.id)
    await coordination.redeem(token=issued.token, user=ANNA, name="Anna \u202enimdA\u202c\x00")
    _, members = await coordination.team(user=ANNA, school_id=school.id)
    assert [m.name for m in members] == ["Anna nimdA"]


async def test_the_school_s_rules_refuse_dates_when_chosen_and_at_saving(
    coordination: Coordination, db: Database
) -> None:
    school = await join(coordination, "Ogres tehnikums", ANNA)
    await join(coordination, "Ogres tehnikums", BEN)
    first = await coordination.save(
        user=ANNA, draft_id=(await set_up(coordination, ANNA, school, start=TODAY)).draft.id
    )
    # Ben's draft overlaps Anna's session: refused as he picks the last day, nothing stored.
    view = await coordination.start_draft(user=BEN, school_id=school)
    d = view.draft.id

    async def change(rule: DraftChange) -> DraftView:
        return await coordination.change(user=BEN, draft_id=d, change=rule)

    await change(lambda x, s: drafts.choose_level(x, s, "upper-secondary"))
    await change(drafts.show_dates)
    await change(lambda x, s: drafts.choose_start(x, s, TODAY + timedelta(days=10)))
    with pytest.raises(SessionConflict) as refused:
        await change(lambda x, s: drafts.choose_end(x, s, TODAY + timedelta(days=20)))
    assert refused.value.problem == "overlap"
    assert refused.value.sessions[0].id == first.session.id
    stored = await coordination.draft(user=BEN)
    assert stored is not None and stored.draft.end is None and stored.draft.step == "dates"
    # Dates free when chosen, taken before saving: refused at saving, nothing created.
    later = TODAY + timedelta(days=30)
    await change(lambda x, s: drafts.choose_both(x, s, later, later + timedelta(days=13)))
    second = await coordination.save(
        user=ANNA, draft_id=(await set_up(coordination, ANNA, school, start=later)).draft.id
    )
    with pytest.raises(SessionConflict, match="overlap session #2"):
        await coordination.save(user=BEN, draft_id=d)
    assert await coordination.draft(user=BEN) is not None
    # The third session of the school year, then no fourth.
    third = TODAY + timedelta(days=60)
    await change(lambda x, s: drafts.choose_both(x, s, third, third + timedelta(days=13)))
    saved = await coordination.save(user=BEN, draft_id=d)
    assert [first.session.number, second.session.number, saved.session.number] == [1, 2, 3]
    view = await coordination.start_draft(user=BEN, school_id=school)
    d = view.draft.id
    await change(lambda x, s: drafts.choose_level(x, s, "primary"))
    await change(drafts.show_dates)
    with pytest.raises(SessionConflict) as refused:
        await change(lambda x, s: drafts.choose_both(x, s, third, third + timedelta(days=13)))
    assert refused.value.problem == "year_full" and refused.value.school_year == 2026
    async with db.read() as connection:
        assert len(await fetch_all(connection, "SELECT id FROM sessions")) == 3


async def test_a_coordinator_cancels_a_scheduled_session_of_their_school_only(
    coordination: Coordination, db: Database, clock: FixedClock
) -> None:
    school = await join(coordination, "Ogres tehnikums", ANNA)
    await join(coordination, "Cēsu skola", BEN)
    view = await set_up(coordination, ANNA, school, start=TODAY + timedelta(days=2))
    saved = await coordination.save(user=ANNA, draft_id=view.draft.id)
    session_id = saved.session.id
    with pytest.raises(Refused, match="not_coordinator"):
        await coordination.cancel(user=BEN, session_id=session_id)
    edit = await coordination.edit_session(user=ANNA, session_id=session_id, dates=True)
    cancelled = await coordination.cancel(user=ANNA, session_id=session_id)
    assert cancelled.status == "cancelled"
    assert coordination.state_of(cancelled) == "cancelled"
    assert await coordination.draft(user=ANNA) is None  # the changes it waited for went too
    assert edit.draft.session_id == session_id
    with pytest.raises(CannotCancel):
        await coordination.cancel(user=ANNA, session_id=session_id)
    for refused in (
        coordination.links(user=ANNA, session_id=session_id),
        coordination.edit_session(user=ANNA, session_id=session_id, dates=True),
    ):
        with pytest.raises(Refused, match="cancelled"):
            await refused
    # Anna's school's numbers are its own, and numbers are typed within one's schools.
    again = await coordination.save(
        user=ANNA,
        draft_id=(
            await set_up(coordination, ANNA, school, start=TODAY + timedelta(days=2))
        ).draft.id,
    )
    assert (saved.session.number, again.session.number) == (1, 2)
    assert [s.session.id for s in await coordination.numbered(user=ANNA, number=2)] == [
        again.session.id
    ]
    assert await coordination.numbered(user=BEN, number=2) == []


# The follow-up of a closed session


async def closed_session(coordination: Coordination, db: Database, clock: FixedClock) -> Session:
    """Anna's closed session: vet, A6 and C9 chosen, an own statement written in Latvian with an
    English translation; 14 days from TODAY, closed on its last evening."""
    school = await join(coordination, "Ogres tehnikums", ANNA)
    own = OwnStatement(
        "S1",
        "C",
        frozenset({"teacher", "student"}),
        "Skolā darbojas robotikas pulciņš.",
        "Izvēlieties 5, ja pulciņš notiek katru nedēļu.",
        language="lv",
        translations=(Translation("en", "The school runs a robotics club.", "Weekly: 5."),),
    )
    created = await create_session(
        db,
        bank=coordination.bank,
        now=clock.now(),
        school_name="Ogres tehnikums",
        coordinator_id=ANNA,
        level="vet",
        start=TODAY,
        end=TODAY + timedelta(days=13),
        timezone="Europe/Riga",
        optional_codes={"A6", "C9"},
        own=[own],
        questions=RespondentQuestions(
            background=True, open_questions=(OpenQuestion("teacher", key="support"),)
        ),
    )
    assert created.school_id == school
    clock.set(created.period.closes_at)
    async with db.transaction() as connection:
        assert await close_session(connection, session_id=created.session_id, now=clock.now())
    clock.advance(timedelta(hours=9))  # the next morning
    summary = await coordination.session(user=ANNA, session_id=created.session_id)
    return summary.session


async def session_count(db: Database) -> int:
    async with db.read() as connection:
        return int((await fetch_all(connection, "SELECT count(*) FROM sessions"))[0][0])


async def test_the_follow_up_repeats_the_closed_session_months_on_and_is_made_once(
    coordination: Coordination, db: Database, clock: FixedClock
) -> None:
    closed = await closed_session(coordination, db, clock)
    offer = await coordination.follow_up_offer(user=ANNA, session_id=closed.id)
    assert isinstance(offer, Offer)
    assert (offer.optional, offer.own) == (2, 1)
    proposed = offer.periods[3]
    assert (proposed.start, proposed.end) == (date(2027, 2, 23), date(2027, 3, 8))

    saved = await coordination.schedule_follow_up(
        user=ANNA, session_id=closed.id, months=3, start=proposed.start
    )
    assert isinstance(saved, Saved) and saved.created
    follow_up = saved.session
    assert (follow_up.level, follow_up.start_date, follow_up.end_date) == (
        "vet",
        proposed.start,
        proposed.end,
    )
    assert follow_up.timezone == closed.timezone
    assert set(saved.invites) == {"leader", "teacher", "student"}
    status = await coordination.status(user=ANNA, session_id=follow_up.id)
    assert status.state == "scheduled"
    async with db.read() as connection:
        codes = {
            session_id: await session_statement_codes(connection, session_id=session_id)
            for session_id in (closed.id, follow_up.id)
        }
        own = {
            session_id: await own_statements(connection, session_id=session_id)
            for session_id in (closed.id, follow_up.id)
        }
        tokens = await fetch_all(connection, "SELECT session_id, token FROM invites")
    assert codes[follow_up.id] == codes[closed.id] and {"A6", "C9"} <= codes[follow_up.id]
    assert own[follow_up.id] == own[closed.id]
    assert own[follow_up.id][0].translations[0].text == "The school runs a robotics club."
    assert len({row["token"] for row in tokens}) == 6  # new links, not the closed session's
    # It asks the respondents what the closed session asked them.
    assert await coordination.asked(user=ANNA, session_id=follow_up.id) == await coordination.asked(
        user=ANNA, session_id=closed.id
    )
    assert (await coordination.asked(user=ANNA, session_id=follow_up.id)).background

    # A second press (or the 6 months' button under the same offer) makes nothing more.
    for months in (3, 6):
        again = await coordination.schedule_follow_up(
            user=ANNA, session_id=closed.id, months=months, start=offer.periods[months].start
        )
        assert again == AlreadyFollowed(follow_up)
    assert await coordination.follow_up_offer(user=ANNA, session_id=closed.id) == AlreadyFollowed(
        follow_up
    )
    assert await session_count(db) == 2


async def test_two_presses_at_once_make_one_follow_up(
    coordination: Coordination, db: Database, clock: FixedClock
) -> None:
    closed = await closed_session(coordination, db, clock)
    offer = await coordination.follow_up_offer(user=ANNA, session_id=closed.id)
    assert isinstance(offer, Offer)
    start = offer.periods[6].start
    outcomes = await asyncio.gather(
        *(
            coordination.schedule_follow_up(user=ANNA, session_id=closed.id, months=6, start=start)
            for _ in range(2)
        )
    )
    assert sorted(type(outcome).__name__ for outcome in outcomes) == ["AlreadyFollowed", "Saved"]
    assert await session_count(db) == 2


async def test_a_follow_up_of_another_school_an_open_session_or_old_dates_changes_nothing(
    coordination: Coordination, db: Database, clock: FixedClock
) -> None:
    closed = await closed_session(coordination, db, clock)
    offer = await coordination.follow_up_offer(user=ANNA, session_id=closed.id)
    assert isinstance(offer, Offer)
    start = offer.periods[3].start
    await join(coordination, "Cēsu Valsts ģimnāzija", BEN)
    for refused in (
        coordination.follow_up_offer(user=BEN, session_id=closed.id),
        coordination.schedule_follow_up(user=BEN, session_id=closed.id, months=3, start=start),
        coordination.schedule_follow_up(user=ANNA, session_id=999, months=3, start=start),
    ):
        with pytest.raises(Refused, match="not_coordinator"):
            await refused
    # A start the offer does not make now, or months it does not offer: the offer comes back.
    for months, day in ((3, start + timedelta(days=1)), (4, start)):
        outcome = await coordination.schedule_follow_up(
            user=ANNA, session_id=closed.id, months=months, start=day
        )
        assert outcome == offer
    # A session that has not closed has no follow-up yet.
    school = await join(coordination, "Ogres tehnikums", ANNA)
    running = await coordination.save(
        user=ANNA,
        draft_id=(await set_up(coordination, ANNA, school, start=clock.now().date())).draft.id,
    )
    with pytest.raises(Refused, match="not_closed"):
        await coordination.follow_up_offer(user=ANNA, session_id=running.session.id)
    with pytest.raises(Refused, match="not_closed"):
        await coordination.schedule_follow_up(
            user=ANNA, session_id=running.session.id, months=3, start=start
        )
    assert await session_count(db) == 2


async def test_a_follow_up_keeps_the_school_s_rules(
    coordination: Coordination, db: Database, clock: FixedClock
) -> None:
    """A school year holds three sessions: with two more this year, the follow-up is refused
    with the school's reason, and nothing is made."""
    closed = await closed_session(coordination, db, clock)
    for days_on in (30, 60):
        start = TODAY + timedelta(days=days_on)
        await create_session(
            db,
            bank=coordination.bank,
            now=clock.now(),
            school_name="Ogres tehnikums",
            coordinator_id=ANNA,
            level="vet",
            start=start,
            end=start + timedelta(days=13),
            timezone="Europe/Riga",
        )
    offer = await coordination.follow_up_offer(user=ANNA, session_id=closed.id)
    assert isinstance(offer, Offer)
    with pytest.raises(SessionConflict) as refused:
        await coordination.schedule_follow_up(
            user=ANNA, session_id=closed.id, months=3, start=offer.periods[3].start
        )
    assert refused.value.problem == "year_full"
    assert await session_count(db) == 3
    assert await coordination.follow_up_offer(user=ANNA, session_id=closed.id) == offer


async def test_the_respondent_questions_are_saved_changed_before_the_start_and_then_locked(
    coordination: Coordination, clock: FixedClock
) -> None:
    school = await join(coordination, "A", ANNA)
    start = TODAY + timedelta(days=2)
    view = await set_up(coordination, ANNA, school, start=start, background=True)
    await coordination.change(
        user=ANNA,
        draft_id=view.draft.id,
        change=lambda x, s: drafts.choose_open(x, s, "teacher", "strength"),
    )
    saved = await coordination.save(user=ANNA, draft_id=view.draft.id)
    session_id = saved.session.id
    asked = await coordination.asked(user=ANNA, session_id=session_id)
    assert asked.background
    assert [(q.profile, q.key) for q in asked.open_questions] == [("teacher", "strength")]
    with pytest.raises(Refused):
        await coordination.asked(user=BEN, session_id=session_id)

    # Before the start, a change to the session begins from what it asks, and saves changes.
    edit = await coordination.edit_session(user=ANNA, session_id=session_id, dates=False)
    assert edit.draft.questions == asked
    for rule in (
        drafts.toggle_background,
        lambda x, s: drafts.no_open(x, s, "teacher"),
        lambda x, s: drafts.begin_open_text(x, s, "student"),
        lambda x, s: drafts.open_text(x, s, "What helps you learn?", "en"),
    ):
        await coordination.change(user=ANNA, draft_id=edit.draft.id, change=rule)
    await coordination.save(user=ANNA, draft_id=edit.draft.id)
    changed = await coordination.asked(user=ANNA, session_id=session_id)
    assert not changed.background
    assert [(q.profile, q.text) for q in changed.open_questions] == [
        ("student", "What helps you learn?")
    ]

    # A draft opened before the start cannot change them once the session has started.
    late = await coordination.edit_session(user=ANNA, session_id=session_id, dates=False)
    clock.set(saved.session.opens_at)
    with pytest.raises(DraftError, match="statements_locked"):
        await coordination.change(
            user=ANNA, draft_id=late.draft.id, change=drafts.toggle_background
        )
    assert await coordination.asked(user=ANNA, session_id=session_id) == changed
