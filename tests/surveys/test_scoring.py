import dataclasses
import secrets
from datetime import UTC, date, datetime, time, timedelta

import pytest

from bot.clock import FixedClock
from bot.reporting.service import load_results
from bot.sessions.service import create_session
from bot.storage import Database
from bot.storage import participants as participant_queries
from bot.surveys.bank import Bank
from bot.surveys.questionnaire import OwnStatement
from bot.surveys.scoring import (
    Counts,
    Distribution,
    GroupParticipation,
    Highlights,
    score,
)
from bot.surveys.vocabulary import Profile
from tests.tallies import START, session_record, tallies

# Pure scoring over hand-made tallies.


def test_a_distribution_leaves_not_applicable_out_of_the_mean() -> None:
    answers = Distribution((3, 1, 0, 0, 2, 1))  # N/A ×3, then 1, 4, 4, 5
    assert answers.total == 7
    assert answers.answered == 4
    assert answers.not_applicable == 3
    assert answers.mean == pytest.approx((1 + 4 + 4 + 5) / 4)
    assert Distribution((4, 0, 0, 0, 0, 0)).mean is None


def test_the_mean_over_groups_weighs_every_group_the_same(bank: Bank) -> None:
    # 2 teachers answer 5; 8 students answer 1. Pooled, the mean would be (10 + 8) / 10 = 1.8.
    results = score(
        bank=bank,
        current=tallies(
            {("B1", "teacher"): (0, 0, 0, 0, 0, 2), ("B1", "student"): (0, 8, 0, 0, 0, 0)},
            {"teacher": 2, "student": 8},
        ),
        min_group_size=1,
    )
    (b1,) = results.statements
    assert b1.group_means() == {"teacher": 5.0, "student": 1.0}
    assert b1.mean == pytest.approx(3.0)


def test_min_group_size_is_configurable_and_must_be_positive(bank: Bank) -> None:
    current = tallies({("A1", "leader"): (0, 0, 0, 1, 1, 0)}, {"leader": 2})
    assert score(bank=bank, current=current).shown_groups == ()
    assert score(bank=bank, current=current, min_group_size=2).shown_groups == ("leader",)
    with pytest.raises(ValueError, match="min_group_size"):
        score(bank=bank, current=current, min_group_size=0)


def test_a_group_without_respondents_is_absent_not_suppressed(bank: Bank) -> None:
    results = score(
        bank=bank,
        current=tallies({("A1", "teacher"): (0, 0, 0, 5, 0, 0)}, {"teacher": 5, "leader": 1}),
    )
    assert results.suppressed == (GroupParticipation("leader", 1, shown=False),)
    assert results.shown_groups == ("teacher",)
    assert [g.respondents for g in results.participation] == [1, 5, 0]


def ranked(highlights: Highlights | None) -> tuple[list[tuple[str, float]], ...]:
    assert highlights is not None
    return (
        [(h.code, round(h.mean, 4)) for h in highlights.strengths],
        [(h.code, round(h.mean, 4)) for h in highlights.improvements],
    )


def test_ties_keep_the_bank_order_and_strengths_never_repeat_as_improvements(
    bank: Bank,
) -> None:
    same: Counts = (0, 0, 0, 5, 0, 0)  # every statement scores 3.0
    counts: dict[tuple[str, Profile], Counts] = {
        (code, "teacher"): same for code in ("A1", "A2", "A3", "A4", "B1")
    }
    results = score(bank=bank, current=tallies(counts, {"teacher": 5}), highlights=2)
    (teachers,) = results.group_highlights
    assert [h.code for h in teachers.strengths] == ["A1", "A2"]
    assert [h.code for h in teachers.improvements] == ["A3", "A4"]
    assert results.school_highlights is None  # one group: nothing to compare across


def test_strengths_are_highest_first_and_improvements_lowest_first(bank: Bank) -> None:
    counts: dict[tuple[str, Profile], Counts] = {
        ("A1", "teacher"): (0, 0, 0, 0, 5, 0),  # 4.0
        ("A2", "teacher"): (0, 5, 0, 0, 0, 0),  # 1.0
        ("A3", "teacher"): (0, 0, 0, 0, 0, 5),  # 5.0
        ("A4", "teacher"): (0, 0, 5, 0, 0, 0),  # 2.0
        ("A5", "teacher"): (0, 0, 0, 5, 0, 0),  # 3.0
        ("B1", "teacher"): (5, 0, 0, 0, 0, 0),  # N/A only: no mean, never ranked
    }
    results = score(bank=bank, current=tallies(counts, {"teacher": 5}), highlights=2)
    (teachers,) = results.group_highlights
    assert teachers.groups == ("teacher",) and teachers.compared == 5
    assert ranked(teachers) == ([("A3", 5.0), ("A1", 4.0)], [("A2", 1.0), ("A4", 2.0)])


# Strengths that are the school's, not an effect of who was asked. Every figure by hand.


def test_each_group_and_the_school_rank_like_with_like_where_the_old_mean_did_not(
    bank: Bank,
) -> None:
    """Leaders rate highest and students are not asked about leadership (area A). Ranking
    every statement by the mean of whichever groups answered it puts A1 first and A2 last,
    statements that students never saw."""
    counts: dict[tuple[str, Profile], Counts] = {
        ("A1", "leader"): (0, 0, 0, 0, 5, 0),  # 5 × 4 = 20 → 20 / 5 = 4.0
        ("A1", "teacher"): (0, 0, 0, 4, 1, 0),  # 4 × 3 + 4 = 16 → 3.2
        ("A2", "leader"): (0, 0, 4, 1, 0, 0),  # 4 × 2 + 3 = 11 → 2.2
        ("A2", "teacher"): (0, 0, 5, 0, 0, 0),  # 10 → 2.0
        ("B1", "leader"): (0, 0, 0, 0, 3, 2),  # 3 × 4 + 2 × 5 = 22 → 4.4
        ("B1", "teacher"): (0, 0, 0, 3, 2, 0),  # 3 × 3 + 2 × 4 = 17 → 3.4
        ("B1", "student"): (0, 0, 5, 0, 0, 0),  # 10 → 2.0
        ("C1", "leader"): (0, 0, 0, 5, 0, 0),  # 15 → 3.0
        ("C1", "teacher"): (0, 0, 0, 5, 0, 0),  # 15 → 3.0
        ("C1", "student"): (0, 0, 0, 0, 5, 0),  # 20 → 4.0
    }
    results = score(
        bank=bank,
        current=tallies(counts, {"leader": 5, "teacher": 5, "student": 5}),
        highlights=1,
        school_highlights=1,
    )
    # The old ranking, the mean of the group means over every statement:
    # A1 (4.0 + 3.2) / 2 = 3.6, A2 (2.2 + 2.0) / 2 = 2.1, B1 (4.4 + 3.4 + 2.0) / 3 = 3.2667,
    # C1 (3.0 + 3.0 + 4.0) / 3 = 3.3333: strength A1, improvement A2.
    old = sorted(results.statements, key=lambda s: -(s.mean or 0))
    assert (old[0].code, old[-1].code) == ("A1", "A2")

    # The school: only B1 and C1 were answered by all three groups.
    school = results.school_highlights
    assert school is not None
    assert (school.groups, school.compared) == (("leader", "teacher", "student"), 2)
    assert ranked(school) == ([("C1", 3.3333)], [("B1", 3.2667)])
    assert dict(school.improvements[0].group_means) == {
        "leader": 4.4,
        "teacher": 3.4,
        "student": 2.0,
    }

    # Each group on its own means: leaders A1 4.0, A2 2.2, B1 4.4, C1 3.0; teachers A1 3.2,
    # A2 2.0, B1 3.4, C1 3.0; students B1 2.0, C1 4.0.
    leaders, teachers, students = results.group_highlights
    assert (leaders.groups, leaders.compared) == (("leader",), 4)
    assert ranked(leaders) == ([("B1", 4.4)], [("A2", 2.2)])
    assert ranked(teachers) == ([("B1", 3.4)], [("A2", 2.0)])
    assert (students.groups, students.compared) == (("student",), 2)
    assert ranked(students) == ([("C1", 4.0)], [("B1", 2.0)])


def test_hidden_groups_and_statements_with_too_few_answers_stay_out_of_the_comparison(
    bank: Bank,
) -> None:
    """Four leaders (under the minimum of 5) rate everything 5; students answered C2 mostly
    N/A, so C2 has two answers on the scale from them, fewer than the 5 a figure needs."""
    counts: dict[tuple[str, Profile], Counts] = {
        ("A1", "leader"): (0, 0, 0, 0, 0, 4),  # hidden
        ("A1", "teacher"): (0, 0, 0, 0, 0, 5),  # 5.0, teachers only
        ("B1", "leader"): (0, 0, 0, 0, 0, 4),  # hidden
        ("B1", "teacher"): (0, 0, 0, 5, 0, 0),  # 3.0
        ("B1", "student"): (0, 0, 0, 0, 6, 0),  # 4.0 → school (3.0 + 4.0) / 2 = 3.5
        ("C1", "teacher"): (0, 0, 0, 0, 5, 0),  # 4.0
        ("C1", "student"): (0, 0, 0, 0, 0, 6),  # 5.0 → school 4.5
        ("C2", "teacher"): (0, 0, 5, 0, 0, 0),  # 2.0
        ("C2", "student"): (4, 0, 0, 0, 0, 2),  # 2 on the scale: no figures
        ("E1", "teacher"): (0, 0, 0, 5, 0, 0),  # 3.0
        ("E1", "student"): (0, 0, 0, 6, 0, 0),  # 3.0 → school 3.0
    }
    results = score(
        bank=bank,
        current=tallies(counts, {"leader": 4, "teacher": 5, "student": 6}),
        highlights=2,
        school_highlights=2,
    )
    # The old ranking over the shown groups: A1 5.0, C1 4.5, B1 3.5, E1 3.0, C2 2.0, so A1
    # and C2 (teachers' figures only) would be the school's strongest and weakest.
    school = results.school_highlights
    assert school is not None
    # B1, C1 and E1 have figures from teachers and students: one of each list (3 // 2).
    assert (school.groups, school.compared) == (("teacher", "student"), 3)
    assert ranked(school) == ([("C1", 4.5)], [("E1", 3.0)])

    assert [h.groups for h in results.group_highlights] == [("teacher",), ("student",)]
    teachers, students = results.group_highlights
    # Teachers: A1 5.0, B1 3.0, C1 4.0, C2 2.0, E1 3.0; B1 and E1 tie, B1 comes first.
    assert ranked(teachers) == ([("A1", 5.0), ("C1", 4.0)], [("C2", 2.0), ("B1", 3.0)])
    # Students: B1 4.0, C1 5.0, E1 3.0 (C2 has no figures).
    assert (students.compared, ranked(students)) == (3, ([("C1", 5.0)], [("E1", 3.0)]))


def test_means_equal_as_fractions_tie_even_when_their_floats_differ(bank: Bank) -> None:
    counts: dict[tuple[str, Profile], Counts] = {
        ("B1", "teacher"): (0, 4, 1, 0, 0, 0),  # 6 / 5 = 1.2
        ("B1", "student"): (0, 0, 4, 1, 0, 0),  # 11 / 5 = 2.2 → (1.2 + 2.2) / 2 = 1.7
        ("C1", "teacher"): (0, 5, 0, 0, 0, 0),  # 1.0
        ("C1", "student"): (0, 0, 3, 2, 0, 0),  # 12 / 5 = 2.4 → (1.0 + 2.4) / 2 = 1.7
        ("E1", "teacher"): (0, 0, 0, 0, 0, 5),  # 5.0
        ("E1", "student"): (0, 0, 0, 0, 0, 5),  # 5.0
        ("F1", "teacher"): (0, 0, 0, 0, 5, 0),  # 4.0
        ("F1", "student"): (0, 0, 0, 0, 5, 0),  # 4.0
    }
    results = score(
        bank=bank, current=tallies(counts, {"teacher": 5, "student": 5}), school_highlights=2
    )
    school = results.school_highlights
    assert school is not None
    means = {s.code: s.mean for s in results.statements if s.mean is not None}
    assert means["B1"] != means["C1"]  # 1.7000000000000002 against 1.7 in floating point
    assert [h.code for h in school.improvements] == ["B1", "C1"]  # the bank's order
    assert [h.code for h in school.strengths] == ["E1", "F1"]


def test_a_group_s_areas_are_ordered_by_their_mean_then_a_to_h(bank: Bank) -> None:
    counts: dict[tuple[str, Profile], Counts] = {
        ("A1", "teacher"): (0, 0, 0, 5, 0, 0),  # A 3.0
        ("B1", "teacher"): (0, 0, 0, 0, 5, 0),  # B 4.0
        ("C1", "teacher"): (0, 0, 0, 5, 0, 0),  # C 3.0
        ("E1", "teacher"): (0, 0, 5, 0, 0, 0),  # E 2.0
    }
    results = score(bank=bank, current=tallies(counts, {"teacher": 5}))
    assert [s.area for s in results.scored_areas("teacher")] == ["B", "A", "C", "E"]
    assert [s.area for s in results.scored_areas("teacher", lowest_first=True)] == [
        "E",
        "A",
        "C",
        "B",
    ]
    assert results.scored_areas("student") == []


def test_disagreement_needs_half_a_point_and_lists_the_largest_spread_first(
    bank: Bank,
) -> None:
    counts: dict[tuple[str, Profile], Counts] = {
        ("B1", "teacher"): (0, 0, 0, 0, 0, 5),  # 5.0
        ("B1", "student"): (0, 0, 5, 0, 0, 0),  # 2.0 → spread 3.0
        ("C1", "teacher"): (0, 0, 0, 0, 5, 0),  # 4.0
        ("C1", "student"): (0, 0, 0, 0, 4, 1),  # 4.2 → spread 0.2, not a disagreement
        ("C2", "leader"): (0, 0, 0, 5, 0, 0),  # 3.0
        ("C2", "student"): (0, 0, 0, 0, 5, 0),  # 4.0 → spread 1.0
    }
    results = score(bank=bank, current=tallies(counts, {"leader": 5, "teacher": 5, "student": 5}))
    assert [d.code for d in results.disagreements] == ["B1", "C2"]
    assert [d.spread for d in results.disagreements] == pytest.approx([3.0, 1.0])
    assert dict(results.disagreements[1].group_means) == {"leader": 3.0, "student": 4.0}


def test_progress_says_when_the_statements_changed(bank: Bank) -> None:
    now = tallies({("A1", "teacher"): (0, 0, 0, 0, 5, 0)}, {"teacher": 5})
    before = tallies(
        {("A1", "teacher"): (0, 0, 5, 0, 0, 0)},
        {"teacher": 5},
        codes=frozenset({"A1", "A6"}),
        session=session_record(2, date(2025, 11, 3)),
    )
    progress = score(bank=bank, current=now, previous=before).progress
    assert progress is not None
    assert not progress.same_statements
    assert [(c.area, c.profile, c.change) for c in progress.changes] == [("A", "teacher", 2.0)]


# A small session in a real database, every figure computed by hand.

OWN = OwnStatement("S1", "B", frozenset({"teacher", "student"}), "Mums ir robotikas pulciņš.")


async def create(db: Database, bank: Bank, start: date, *, own: bool) -> int:
    created = await create_session(
        db,
        bank=bank,
        now=datetime.combine(start, time(8), UTC),
        school_name="Rīgas 1. vidusskola",
        coordinator_id=500,
        level="upper-secondary",
        start=start,
        end=start + timedelta(days=13),
        timezone="Europe/Riga",
        own=[OWN] if own else [],
    )
    return created.session_id


async def respond(
    db: Database, session_id: int, profile: Profile, answers: dict[str, int], *, done: bool = True
) -> None:
    now = datetime(2026, 11, 25, 9, tzinfo=UTC)
    async with db.transaction() as connection:
        participant = await participant_queries.insert_participant(
            connection,
            session_id=session_id,
            telegram_id=secrets.randbits(40),
            chat_id=1,
            profile=profile,
            language="lv",
            now=now,
        )
        assert participant is not None
        if done:
            await participant_queries.complete(connection, participant=participant, answers=answers)
        else:
            await participant_queries.save_progress(
                connection, participant_id=participant.id, position=len(answers), answers=answers
            )


async def test_a_session_scored_by_hand(db: Database, bank: Bank, clock: FixedClock) -> None:
    earlier = await create(db, bank, date(2025, 11, 3), own=False)
    async with db.transaction() as connection:
        await connection.execute("UPDATE sessions SET status = 'closed' WHERE id = ?", (earlier,))
    # The earlier session: 3 teachers (shown), 1 student (hidden at a threshold of 3).
    await respond(db, earlier, "teacher", {"A1": 3, "B1": 4})
    await respond(db, earlier, "teacher", {"A1": 3, "B1": 4})
    await respond(db, earlier, "teacher", {"A1": 2, "B1": 4})
    await respond(db, earlier, "student", {"B1": 1})

    current = await create(db, bank, START, own=True)
    await respond(db, current, "teacher", {"A1": 4, "A2": 5, "B1": 3, "S1": 2})
    await respond(db, current, "teacher", {"A1": 2, "A2": 0, "B1": 5, "S1": 4})
    await respond(db, current, "teacher", {"A1": 0, "A2": 0, "B1": 4, "S1": 0})
    await respond(db, current, "student", {"B1": 2, "S1": 5})
    await respond(db, current, "student", {"B1": 3, "S1": 5})
    await respond(db, current, "student", {"B1": 0, "S1": 4})
    # Two leaders: fewer than the threshold of 3, so they must not show anywhere.
    await respond(db, current, "leader", {"A1": 1, "B1": 1})
    await respond(db, current, "leader", {"A1": 1, "B1": 1})
    # Unfinished responses never count.
    await respond(db, current, "teacher", {"A1": 1, "A2": 1, "B1": 1}, done=False)
    await respond(db, current, "leader", {"A1": 5}, done=False)

    results = await load_results(db, session_id=current, bank=bank, min_group_size=3, min_answers=1)

    assert results is not None
    assert results.session.id == current
    assert results.shown_groups == ("teacher", "student")
    assert results.suppressed == (GroupParticipation("leader", 2, shown=False),)
    assert results.respondents == 8

    # Area A, teachers: 4, 2 (A1) and 5 (A2); three N/A left out. Two teachers gave a 1–5
    # answer in A; the third answered N/A only.
    area_a = results.area_score("A", "teacher")
    assert area_a is not None
    assert area_a.mean == pytest.approx((4 + 2 + 5) / 3)
    assert (area_a.answers, area_a.respondents) == (3, 2)
    # Area B is B1 alone: the school's own S1 stays out of the area means.
    area_b_teachers = results.area_score("B", "teacher")
    area_b_students = results.area_score("B", "student")
    assert area_b_teachers is not None and area_b_students is not None
    assert area_b_teachers.mean == pytest.approx((3 + 5 + 4) / 3)
    assert (area_b_teachers.answers, area_b_teachers.respondents) == (3, 3)
    assert area_b_students.mean == pytest.approx((2 + 3) / 2)
    assert (area_b_students.answers, area_b_students.respondents) == (2, 2)
    # Students answer no area A statement; nobody answered area D.
    students_a, teachers_d = results.area_score("A", "student"), results.area_score("D", "teacher")
    assert students_a is not None and students_a.mean is None
    assert teachers_d is not None and teachers_d.mean is None
    assert all(score.profile != "leader" for score in results.areas)

    by_code = {s.code: s for s in results.statements}
    assert by_code["A1"].groups["teacher"].counts == (1, 0, 1, 0, 1, 0)
    assert by_code["A1"].mean == pytest.approx(3.0)
    assert by_code["A2"].groups["teacher"].counts == (2, 0, 0, 0, 0, 1)
    assert set(by_code["A1"].groups) == {"teacher"}  # no leader figures
    assert by_code["B1"].group_means() == {
        "teacher": pytest.approx(4.0),
        "student": pytest.approx(2.5),
    }
    assert by_code["B1"].mean == pytest.approx((4.0 + 2.5) / 2)
    assert by_code["C1"].groups == {}
    assert not any(s.own for s in results.statements)

    (own,) = results.own_statements
    assert (own.code, own.area, own.own_text) == ("S1", "B", "Mums ir robotikas pulciņš.")
    assert own.groups["teacher"].counts == (1, 0, 1, 0, 1, 0)
    assert own.groups["student"].mean == pytest.approx((5 + 5 + 4) / 3)

    # Teachers have means for A1 3.0, A2 5.0 and B1 4.0: one strength, one improvement.
    # Students only for B1 (2.5): nothing to rank. The school compares B1 alone.
    teachers, students = results.group_highlights
    assert ranked(teachers) == ([("A2", 5.0)], [("A1", 3.0)])
    assert (students.compared, ranked(students)) == (1, ([], []))
    assert results.school_highlights is not None
    assert results.school_highlights.compared == 1
    assert [d.code for d in results.disagreements] == ["B1"]
    assert results.disagreements[0].spread == pytest.approx(1.5)

    progress = results.progress
    assert progress is not None
    assert progress.previous.id == earlier
    assert progress.same_statements
    assert progress.suppressed == (GroupParticipation("student", 1, shown=False),)
    changes = {(c.area, c.profile): [c.before, c.after] for c in progress.changes}
    assert list(changes) == [("A", "teacher"), ("B", "teacher")]
    assert changes[("A", "teacher")] == pytest.approx([(3 + 3 + 2) / 3, (4 + 2 + 5) / 3])
    assert changes[("B", "teacher")] == pytest.approx([4.0, 4.0])


async def test_a_statement_answered_on_the_scale_by_too_few_shows_no_spread(
    db: Database, bank: Bank
) -> None:
    """Five teachers: four chose N/A for A1, one chose 2. The group is shown, but A1's spread
    would be that one person's answer: it has no figures, while the area still counts it."""
    current = await create(db, bank, START, own=False)
    for value in (2, 0, 0, 0, 0):
        await respond(db, current, "teacher", {"A1": value, "A2": 4})
    results = await load_results(db, session_id=current, bank=bank, min_group_size=5)
    assert results is not None
    assert results.shown_groups == ("teacher",)
    by_code = {s.code: s for s in results.statements}
    assert by_code["A1"].groups == {}
    assert by_code["A2"].groups["teacher"].counts == (0, 0, 0, 0, 5, 0)
    area_a = results.area_score("A", "teacher")
    assert area_a is not None and area_a.mean == pytest.approx((2 + 4 * 5) / 6)
    (teachers,) = results.group_highlights
    assert teachers.compared == 1  # A2 only
    assert "A1" not in {h.code for h in (*teachers.strengths, *teachers.improvements)}


async def test_without_an_earlier_session_there_is_no_progress(db: Database, bank: Bank) -> None:
    current = await create(db, bank, START, own=False)
    for _ in range(5):
        await respond(db, current, "teacher", {"A1": 4})
    results = await load_results(db, session_id=current, bank=bank)
    assert results is not None
    assert results.progress is None
    assert results.own_statements == ()
    assert await load_results(db, session_id=current + 100, bank=bank) is None


def test_statements_no_group_is_asked_at_the_level_are_left_out(bank: Bank) -> None:
    # B7 is the in-company trainers' own; a session holds it whatever its level.
    counts: dict[tuple[str, Profile], Counts] = {("B1", "teacher"): (0, 0, 0, 5, 0, 0)}
    codes = frozenset({"B1", "B7"})
    at_school = score(bank=bank, current=tallies(counts, {"teacher": 5}, codes=codes))
    assert [s.code for s in at_school.statements] == ["B1"]
    wbl = dataclasses.replace(session_record(), level="wbl")
    at_work = score(bank=bank, current=tallies(counts, {"teacher": 5}, codes=codes, session=wbl))
    assert [s.code for s in at_work.statements] == ["B1", "B7"]


def test_groups_that_answer_statements_of_their_own_stay_out_of_the_school_s_comparison(
    bank: Bank,
) -> None:
    """In-company trainers answer their own statements (B7, C10), which no other group sees:
    over all four groups nothing is common, so the school compares the other three."""
    counts: dict[tuple[str, Profile], Counts] = {
        ("B1", "leader"): (0, 0, 0, 0, 5, 0),  # 4.0
        ("B1", "teacher"): (0, 0, 0, 0, 5, 0),  # 4.0
        ("B1", "student"): (0, 0, 0, 0, 0, 5),  # 5.0 → school (4 + 4 + 5) / 3 = 4.3333
        ("C1", "leader"): (0, 0, 5, 0, 0, 0),  # 2.0
        ("C1", "teacher"): (0, 0, 0, 5, 0, 0),  # 3.0
        ("C1", "student"): (0, 0, 0, 5, 0, 0),  # 3.0 → school (2 + 3 + 3) / 3 = 2.6667
        ("B7", "trainer"): (0, 0, 0, 0, 0, 5),  # 5.0
        ("C10", "trainer"): (0, 5, 0, 0, 0, 0),  # 1.0
    }
    wbl = dataclasses.replace(session_record(), level="wbl")
    results = score(
        bank=bank,
        current=tallies(
            counts, {"leader": 5, "teacher": 5, "student": 5, "trainer": 5}, session=wbl
        ),
        highlights=1,
        school_highlights=1,
    )
    school = results.school_highlights
    assert school is not None
    assert (school.groups, school.compared) == (("leader", "teacher", "student"), 2)
    assert ranked(school) == ([("B1", 4.3333)], [("C1", 2.6667)])
    trainers = results.group_highlights[-1]
    assert (trainers.groups, ranked(trainers)) == (("trainer",), ([("B7", 5.0)], [("C10", 1.0)]))
