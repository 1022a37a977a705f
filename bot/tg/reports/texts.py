"""Texts of the coordinator's /status report: section titles, figure labels, numbers, and
the weekly pulse block."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from babel.numbers import format_decimal, format_percent

from bot.i18n import N_, Gettext
from bot.services.kernel.figures import MIN_GROUP
from bot.services.reports.types import CohortReport, Figure, PulseFigures, Unit
from bot.tg.kit.render import esc

ONLY_COORDINATORS = N_(
    "Sorry, /status is only for coordinators: it shows them totals for their cohorts."
)
SECTION_TITLES = {
    "enrolment": N_("Enrolled"),
    "reflection": N_("Reflection"),
    "goals": N_("Learning goals"),
    "questions": N_("Questions in the chat this week"),
    "feedback": N_("Feedback requests since {start}"),
    "conversations": N_("Placement conversations"),
}
FIGURE_LABELS = {
    "students": N_("Students"),
    "supervisors": N_("Supervisors"),
    "linked_students": N_("Students linked to a supervisor"),
    "active_students": N_("Students who reflected this week"),
    "prompts_sent": N_("Prompts sent this week"),
    "prompts_answered": N_("Prompts answered"),
    "answer_rate": N_("Answer rate"),
    "reflections_per_writer_week": N_("Finished reflections per writing student per week"),
    "shared_entries": N_("Entries shared with a supervisor"),
    "students_with_goal": N_("Students with at least one goal"),
    "goals_set": N_("Goals set"),
    "goals_reached": N_("Goals reached"),
    "questions_asked": N_("Questions asked"),
    "questions_unanswered": N_("The documents could not answer"),
    "feedback_sent": N_("Sent to a supervisor"),
    "feedback_answered": N_("Answered by the supervisor"),
    "feedback_answer_rate": N_("Answered share"),
    "feedback_median_time": N_("Median time to an answer"),
    "feedback_open": N_("Waiting for a supervisor now"),
    "feedback_expired": N_("Expired unanswered"),
    "feedback_declined": N_("Declined by the supervisor"),
    "feedback_verbal": N_("Verbal feedback recorded by students"),
    "feedback_actions": N_("Actions for the next shift recorded"),
    "conversations_due": N_("Conversations due so far"),
    "conversations_planned": N_("Of those, plan recorded"),
    "conversations_overdue": N_("Overdue (over 7 days past, no plan)"),
}
PULSE_TITLE = N_("Weekly pulse: feeling safe to ask and learn (1 = not safe, 5 = very safe)")
PULSE_OFF = N_(
    "The weekly pulse is off. When it is on, students get one anonymous question a week on "
    "how safe they feel asking questions and learning; you see totals from at least {count} "
    "answers."
)
PULSE_WEEK = N_("Week of {date}: {answers} answers, mean {mean}")
PULSE_WEEK_WITHHELD = N_("Week of {date}: fewer than {count} answers")
PULSE_SCORES = N_("Answers per score: {scores}")
PULSE_ON_BUTTON = N_("Turn on the weekly pulse")
PULSE_OFF_BUTTON = N_("Turn off the weekly pulse")
PULSE_NOW_ON = N_("The weekly pulse is on.")
PULSE_NOW_OFF = N_("The weekly pulse is off.")
LESS_THAN_AN_HOUR = N_("less than an hour")
ONE_HOUR = N_("1 hour")
HOURS = N_("{count} hours")
DAYS = N_("{count} days")


def duration_text(hours: float, _: Gettext, language: str) -> str:
    """Return a duration the way people say it: under an hour, hours, or days."""
    if hours < 1:
        return _(LESS_THAN_AN_HOUR)
    if hours < 36:
        whole = round(hours)
        return _(ONE_HOUR) if whole == 1 else _(HOURS).format(count=whole)
    days = format_decimal(hours / 24, format="0.#", locale=language)
    return _(DAYS).format(count=days)


def figure_value(figure: Figure, _: Gettext, language: str) -> str:
    """Return a figure as the reader's language writes it, or "fewer than 5"."""
    if figure.value is None:
        return _("fewer than {count}").format(count=MIN_GROUP)
    if figure.unit is Unit.SHARE:
        return format_percent(figure.value, locale=language)
    if figure.unit in (Unit.PER_WEEK, Unit.MEAN):
        return format_decimal(figure.value, format="0.0", locale=language)
    if figure.unit is Unit.HOURS:
        return duration_text(figure.value, _, language)
    return str(int(figure.value))


def pulse_lines(report: CohortReport, _: Gettext, language: str) -> list[str]:
    """Return the pulse block: a line or two per week, newest first (or that it is off)."""
    if not report.pulse_enabled:
        return ["", esc(_(PULSE_OFF).format(count=MIN_GROUP))]
    lines = ["", f"<b>{esc(_(PULSE_TITLE))}</b>"]
    for week in report.pulse:
        lines += pulse_week_lines(week, _, language)
    return lines


def pulse_week_lines(week: PulseFigures, _: Gettext, language: str) -> list[str]:
    """Return one week of the pulse: the answers and mean, then the answers per score."""
    day = f"{week.week_start:%d-%m-%Y}"
    if week.withheld:
        return [esc(_(PULSE_WEEK_WITHHELD).format(date=day, count=MIN_GROUP))]
    answers, mean = (figure_value(f, _, language) for f in (week.answers, week.mean))
    scores = " · ".join(
        f"{score}: {figure_value(f, _, language)}"
        for score, f in enumerate(week.distribution, start=1)
    )
    return [
        esc(_(PULSE_WEEK).format(date=day, answers=answers, mean=mean)),
        esc(_(PULSE_SCORES).format(scores=scores)),
    ]


def report_text(report: CohortReport, _: Gettext, language: str, timezone: str) -> str:
    """Return the /status message: a header, then one line per figure under its section."""
    zone = ZoneInfo(timezone)
    lines = [
        _("<b>Status for {cohort}</b>").format(cohort=esc(report.cohort.name)),
        _(
            "Up to {moment}. “This week” is the last 7 days; the weekly average counts "
            "from {start}."
        ).format(
            moment=f"{report.window.now.astimezone(zone):%d-%m-%Y %H:%M}",
            start=f"{report.window.period_from:%d-%m-%Y}",
        ),
        _(
            "Totals only: never what a student wrote, never names. A figure about fewer "
            "than {count} students is not shown."
        ).format(count=MIN_GROUP),
    ]
    start = f"{report.window.period_from:%d-%m-%Y}"
    for section, rows in report.sections():
        title = _(SECTION_TITLES[section]).format(start=start)
        lines += ["", f"<b>{esc(title)}</b>"]
        lines += [
            f"{esc(_(FIGURE_LABELS[key]))}: {esc(figure_value(figure, _, language))}"
            for key, figure in rows
        ]
    return "\n".join(lines + pulse_lines(report, _, language))
