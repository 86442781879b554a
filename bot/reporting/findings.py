"""The key findings: what stands out in a session's results, in a few sentences.

Who answered; each shown group's highest and lowest area; where the groups' area means differ
most; the school's strongest and weakest statement among those every shown group answered;
the largest change since the previous session; and which groups are hidden. Equal figures are
decided in the order A–H, so the sentences depend on the answers alone.
"""

from __future__ import annotations

from bot.i18n.formatting import number, signed
from bot.reporting.chart import suppressed_note
from bot.reporting.labels import labels
from bot.surveys.bank import Bank
from bot.surveys.scoring import MIN_DISAGREEMENT, AreaScore, Highlight, SessionResults
from bot.surveys.vocabulary import AREA_CODES, Language


def key_findings(results: SessionResults, bank: Bank, language: Language) -> list[str]:
    text = labels()
    found = [text(language, "pdf.finding_respondents", count=results.respondents)]
    for profile in results.shown_groups:
        highest = results.scored_areas(profile)
        if not highest:
            continue
        lowest = results.scored_areas(profile, lowest_first=True)[0]
        group = text.group(profile, language)
        best = _area(highest[0], bank, language)
        if highest[0].area == lowest.area:
            found.append(text(language, "pdf.finding_group_one", group=group, best=best))
        else:
            worst = _area(lowest, bank, language)
            found.append(text(language, "pdf.finding_group", group=group, best=best, worst=worst))
    if spread := _area_spread(results, bank, language):
        found.append(spread)
    school = results.school_highlights
    if school is not None and school.strengths and school.improvements:
        found.append(
            text(
                language,
                "pdf.finding_school",
                best=_statement(school.strengths[0], language),
                worst=_statement(school.improvements[0], language),
            )
        )
    progress = results.progress
    change = (
        max(progress.changes, key=lambda c: abs(c.change))
        if progress and progress.changes
        else None
    )
    if change is not None and abs(change.change) >= 0.05:  # what rounds to no change is none
        found.append(
            text(
                language,
                "pdf.finding_progress",
                group=text.group(change.profile, language),
                area=_area_name(change.area, bank, language),
                change=(
                    f"{number(change.before, language)} → {number(change.after, language)}"
                    f" ({signed(change.change, language)})"
                ),
            )
        )
    if hidden := suppressed_note(results, language):
        found.append(hidden)
    return found


def _area(score: AreaScore, bank: Bank, language: Language) -> str:
    assert score.mean is not None
    return labels()(
        language,
        "pdf.area_ref",
        code=score.area,
        area=bank.areas[score.area].name(language),
        mean=number(score.mean, language),
    )


def _area_name(area: str, bank: Bank, language: Language) -> str:
    return labels()(language, "pdf.area_named", code=area, area=bank.areas[area].name(language))


def _statement(highlight: Highlight, language: Language) -> str:
    return labels()(
        language, "pdf.statement_ref", code=highlight.code, mean=number(highlight.mean, language)
    )


def _area_spread(results: SessionResults, bank: Bank, language: Language) -> str | None:
    """The area whose group means lie furthest apart, or, when none lie half a point apart,
    that they agree; nothing with fewer than two groups to compare."""
    text = labels()
    widest: tuple[float, str, list[AreaScore]] | None = None
    for area in AREA_CODES:
        scores = [
            score
            for profile in results.shown_groups
            if (score := results.area_score(area, profile)) and score.mean is not None
        ]
        if len(scores) < 2:
            continue
        means = [score.mean or 0.0 for score in scores]
        spread = max(means) - min(means)
        if widest is None or spread > widest[0]:
            widest = (spread, area, scores)
    if widest is None:
        return None
    spread, area, scores = widest
    if spread < MIN_DISAGREEMENT:
        return text(language, "pdf.finding_agree", spread=number(MIN_DISAGREEMENT, language))
    groups = text.means({score.profile: score.mean or 0.0 for score in scores}, language)
    return text(
        language, "pdf.finding_differ", area=_area_name(area, bank, language), groups=groups
    )
