"""Texts of the coordinator's /status report: section titles, figure labels, numbers."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from babel.numbers import format_decimal, format_percent

from bot.i18n import N_, Gettext
from bot.services.report_types import CohortReport, Figure, Unit
from bot.services.reports import MIN_GROUP
from bot.tg.render import esc

ONLY_COORDINATORS = N_(
    "Sorry, /status is only for coordinators: it shows them totals for their cohorts."
)
SECTION_TITLES = {
    "enrolment": N_("Enrolled"),
    "reflection": N_("Reflection"),
    "goals": N_("Learning goals"),
    "questions": N_("Questions in the chat this week"),
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
}


def figure_value(figure: Figure, _: Gettext, language: str) -> str:
    """Return a figure as the reader's language writes it, or "fewer than 5"."""
    if figure.value is None:
        return _("fewer than {count}").format(count=MIN_GROUP)
    if figure.unit is Unit.SHARE:
        return format_percent(figure.value, locale=language)
    if figure.unit is Unit.PER_WEEK:
        return format_decimal(figure.value, format="0.0", locale=language)
    return str(int(figure.value))


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
    for section, rows in report.sections():
        lines += ["", f"<b>{esc(_(SECTION_TITLES[section]))}</b>"]
        lines += [
            f"{esc(_(FIGURE_LABELS[key]))}: {esc(figure_value(figure, _, language))}"
            for key, figure in rows
        ]
    return "\n".join(lines)
