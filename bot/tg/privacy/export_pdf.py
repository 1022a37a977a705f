"""The /eksport document for people: everything stored about a person as an A4 PDF in their
language, with a heading per section, that reads well on a phone and fits a portfolio.

The text is set in Roboto (from the `font-roboto` package, Apache 2.0), embedded, so Danish
letters and most European scripts render everywhere; characters the font lacks (emoji) are
left out rather than shown as empty boxes.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime
from importlib.resources import files
from pathlib import Path
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time
from fpdf import FPDF
from fpdf.fonts import TTFFont

from bot.i18n import N_, Gettext
from bot.services.conversations.messages import KIND_NAMES
from bot.services.feedback.flow import LABELS
from bot.services.feedback.types import FEEDBACK_FIELDS, SELF_FIELDS, RequestStatus
from bot.services.privacy.service import PersonalData
from bot.services.reflection.types import PromptMode, Reflection, Shift
from bot.tg.kit.texts import PROFESSION_NAMES, ROLE_NAMES

FONT = "Roboto"
BODY_SIZE = 11
SHIFT_NAMES = {Shift.DAY: N_("day"), Shift.EVENING: N_("evening"), Shift.NIGHT: N_("night")}
STATUS_NAMES = {
    RequestStatus.DRAFT: N_("being written"),
    RequestStatus.READY: N_("self-assessment written"),
    RequestStatus.OPEN: N_("waiting for the supervisor"),
    RequestStatus.ANSWERING: N_("feedback being written"),
    RequestStatus.ANSWERED: N_("feedback given"),
    RequestStatus.DONE: N_("done, in the logbook"),
    RequestStatus.DECLINED: N_("declined"),
    RequestStatus.EXPIRED: N_("expired"),
    RequestStatus.KEPT: N_("kept without asking"),
}
AUTHORED_NAMES = {
    "broadcast": N_("Broadcast"),
    "invite": N_("Invite"),
    "faq": N_("FAQ entry"),
    "upload": N_("Document sent"),
}
WEEKDAYS = (N_("Mon"), N_("Tue"), N_("Wed"), N_("Thu"), N_("Fri"), N_("Sat"), N_("Sun"))


def _font_file(style: str) -> Path:
    return Path(str(files("font_roboto") / "files" / f"Roboto-{style}.ttf"))


def printable(text: str, glyphs: Collection[int]) -> str:
    """Return the text without the characters the font cannot draw (emoji, mostly)."""
    kept = "".join(c for c in text if c in "\n\t" or ord(c) in glyphs)
    return "\n".join(line.strip() for line in kept.splitlines())


class _Document(FPDF):
    """A4 pages with a running footer: the title and the page number."""

    def __init__(self, footer: str) -> None:
        super().__init__(format="A4", unit="mm")
        self._footer = footer
        for style, name in (("", "Regular"), ("B", "Bold"), ("I", "Italic")):
            self.add_font(FONT, style, str(_font_file(name)))
        # The code points the font can draw (the styles cover the same ones).
        font = self.fonts[FONT.lower()]
        assert isinstance(font, TTFFont)
        self.glyphs: Collection[int] = frozenset(font.cmap)
        self.set_margins(18, 18, 18)
        self.set_auto_page_break(True, margin=18)

    def drawable(self, value: str) -> str:
        """Return the text as the font can draw it."""
        return printable(value, self.glyphs)

    def footer(self) -> None:
        """Print the title and the page number at the foot of every page."""
        self.set_y(-12)
        self.set_font(FONT, "", 8)
        self.set_text_color(110)
        self.cell(0, 5, self.drawable(f"{self._footer} · {self.page_no()}"), align="C")
        self.set_text_color(0)


class _Writer:
    """Writes headings, lines and labelled paragraphs in the person's language and zone."""

    def __init__(self, data: PersonalData, _: Gettext) -> None:
        self._ = _
        self.language = data.person.language
        self.zone = ZoneInfo(data.person.timezone)
        self.pdf = _Document(_("Your data in Praktikbot"))
        self.pdf.set_title(_("Your data in Praktikbot"))
        self.pdf.set_author("Praktikbot")
        self.pdf.set_lang(self.language)
        self.pdf.add_page()

    def day(self, value: date | None) -> str:
        """Return a date in the person's language, e.g. '3. februar 2027'."""
        return format_date(value, "long", locale=self.language) if value else ""

    def moment(self, value: datetime | None) -> str:
        """Return a moment in the person's language and time zone."""
        if value is None:
            return ""
        local = value.astimezone(self.zone)
        day = format_date(local.date(), "medium", locale=self.language)
        return f"{day} {format_time(local.time(), 'short', locale=self.language)}"

    def title(self, text: str) -> None:
        """Write the document's title."""
        self.pdf.set_font(FONT, "B", 20)
        self.pdf.multi_cell(0, 10, self.pdf.drawable(text), new_x="LMARGIN", new_y="NEXT")

    def heading(self, text: str) -> None:
        """Write a section heading, starting a new page when little room is left."""
        if self.pdf.will_page_break(30):
            self.pdf.add_page()
        self.pdf.ln(4)
        self.pdf.set_font(FONT, "B", 15)
        self.pdf.set_text_color(20, 70, 120)
        self.pdf.multi_cell(0, 8, self.pdf.drawable(text), new_x="LMARGIN", new_y="NEXT")
        self.pdf.set_text_color(0)
        self.pdf.ln(1)

    def subheading(self, text: str) -> None:
        """Write the heading of one item (an entry, a request)."""
        if self.pdf.will_page_break(20):
            self.pdf.add_page()
        self.pdf.ln(2)
        self.pdf.set_font(FONT, "B", 12)
        self.pdf.multi_cell(0, 6.5, self.pdf.drawable(text), new_x="LMARGIN", new_y="NEXT")

    def line(self, text: str, style: str = "") -> None:
        """Write a paragraph of body text."""
        self.pdf.set_font(FONT, style, BODY_SIZE)
        self.pdf.multi_cell(0, 5.8, self.pdf.drawable(text), new_x="LMARGIN", new_y="NEXT")

    def field(self, label: str, value: str | None) -> None:
        """Write a label in bold and its value under it (nothing when there is no value)."""
        if value:
            self.line(label, "B")
            self.line(value)
            self.pdf.ln(1)

    def pairs(self, rows: list[tuple[str, str]]) -> None:
        """Write 'label: value' lines."""
        for label, value in rows:
            self.line(f"{label}: {value}")

    def nothing(self) -> None:
        """Say that a section is empty."""
        self.line(self._("Nothing stored."), "I")

    def output(self) -> bytes:
        """Return the finished PDF."""
        return bytes(self.pdf.output())


def export_pdf(data: PersonalData, _: Gettext) -> bytes:
    """Render everything stored about a person as a PDF in their language."""
    w = _Writer(data, _)
    w.title(_("Your data in Praktikbot"))
    w.line(_("Exported {when}").format(when=w.moment(data.exported_at)), "I")
    w.line(
        _(
            "Everything Praktikbot stores about you. The same data, machine-readable, "
            "is in the JSON file sent with it."
        )
    )
    for section in (
        _profile,
        _settings,
        _memberships,
        _goals,
        _logbook,
        _conversations,
        _feedback_about,
        _feedback_written,
        _questions,
        _replies,
        _pulse,
        _authored,
        _messages,
    ):
        section(w, data, _)
    return w.output()


def _profile(w: _Writer, data: PersonalData, _: Gettext) -> None:
    p, r = data.person, data.records
    w.heading(_("Profile"))
    rows = [
        (_("Name"), p.display_name),
        (_("Telegram id"), str(p.telegram_id)),
        (_("Language"), {"da": "Dansk", "en": "English"}.get(p.language, p.language)),
        (_("Time zone"), p.timezone),
        (_("Consent given"), w.moment(p.consent_at)),
    ]
    if r.registered_at:
        rows.append((_("Registered"), w.moment(r.registered_at)))
    if r.blocked_at:
        rows.append((_("You blocked the bot"), w.moment(r.blocked_at)))
    if r.coordinator_invites_granted:
        rows.append((_("May invite coordinators in"), ", ".join(r.coordinator_invites_granted)))
    w.pairs(rows)


def _settings(w: _Writer, data: PersonalData, _: Gettext) -> None:
    w.heading(_("Your settings"))
    s = data.schedule
    if s is None:
        w.nothing()
        return
    when = (
        _("at {time}").format(time=f"{s.at_minutes // 60:02d}:{s.at_minutes % 60:02d}")
        if s.mode is PromptMode.TIME
        else _("after the {shift} shift").format(shift=_(SHIFT_NAMES[s.shift]))
    )
    rows = [
        (_("Daily reflection prompt"), _("on") if s.enabled else _("off")),
        (_("When"), when),
        (_("Working days"), ", ".join(_(d) for i, d in enumerate(WEEKDAYS) if s.days >> i & 1)),
        (
            _("Quiet hours"),
            f"{s.quiet_start // 60:02d}:{s.quiet_start % 60:02d}"
            f"–{s.quiet_end // 60:02d}:{s.quiet_end % 60:02d}",
        ),
    ]
    if s.paused_until:
        rows.append((_("Paused until"), w.day(s.paused_until)))
    if data.records.next_feedback_nudge:
        rows.append((_("Next feedback nudge"), w.day(data.records.next_feedback_nudge)))
    w.pairs(rows)


def _memberships(w: _Writer, data: PersonalData, _: Gettext) -> None:
    w.heading(_("Cohorts and roles"))
    if not data.memberships:
        w.nothing()
    for m in data.memberships:
        c = m.cohort
        w.line(
            f"{c.name}: {_(ROLE_NAMES[m.role])} ({_(PROFESSION_NAMES[c.profession])}, "
            f"{w.day(c.starts_on)} – {w.day(c.ends_on)})"
        )
    links = data.records.links
    if links:
        w.subheading(_("Supervision"))
    for link in links:
        since = f" ({_('since {day}').format(day=w.moment(link.since))})" if link.since else ""
        w.line(
            _("{supervisor} supervises {student} in {cohort}").format(
                supervisor=link.supervisor, student=link.student, cohort=link.cohort
            )
            + since
        )


def _goals(w: _Writer, data: PersonalData, _: Gettext) -> None:
    w.heading(_("Your learning goals"))
    if not data.goals:
        w.nothing()
    for goal in data.goals:
        reached = (
            " " + _("(reached {day})").format(day=w.moment(goal.completed_at))
            if goal.completed_at
            else ""
        )
        w.line(f"• {goal.text}{reached}")


def _logbook(w: _Writer, data: PersonalData, _: Gettext) -> None:
    w.heading(_("Your logbook"))
    written = [e for e in data.reflections if e.answers or e.followup_plan]
    if not written:
        w.nothing()
    goals = {g.id: g.text for g in data.goals}
    for entry in written:
        _entry(w, entry, goals, data.shared_with.get(entry.id, []), _)
    others = len(data.reflections) - len(written)
    if others:
        w.line(
            _("{count} more prompts were skipped, expired or not answered.").format(count=others),
            "I",
        )


def _entry(
    w: _Writer, entry: Reflection, goals: dict[int, str], shared_with: list[str], _: Gettext
) -> None:
    w.subheading(w.day(entry.entry_date))
    notes = []
    if entry.shared_at is not None and shared_with:
        names = ", ".join(shared_with)
        when = w.moment(entry.shared_at)
        notes.append(_("Shared with {names} {when}").format(names=names, when=when))
    elif entry.shared_at is not None:
        notes.append(
            _("Shared with your supervisor {when}").format(when=w.moment(entry.shared_at))
        )
    else:
        notes.append(_("Not shared"))
    if entry.goal_id in goals:
        notes.append(_("Goal: {goal}").format(goal=goals[entry.goal_id or 0]))
    w.line(" · ".join(notes), "I")
    w.field(_("Your plan from last time"), entry.followup_plan)
    for answer in entry.answers:
        w.field(answer.question, answer.text)


def _conversations(w: _Writer, data: PersonalData, _: Gettext) -> None:
    w.heading(_("Placement conversations"))
    if not data.conversations:
        w.nothing()
    for c in data.conversations:
        w.subheading(f"{_(KIND_NAMES[c.kind])}: {w.day(c.due_on)}")
        w.field(_("The plan you agreed"), c.plan)


def _feedback_about(w: _Writer, data: PersonalData, _: Gettext) -> None:
    w.heading(_("Feedback you asked for"))
    if not data.feedback:
        w.nothing()
    for request in data.feedback:
        kind = _("verbal feedback") if request.verbal else _(STATUS_NAMES[request.status])
        w.subheading(f"{w.moment(request.created_at)} ({kind})")
        for name in (*SELF_FIELDS, *FEEDBACK_FIELDS):
            w.field(_(LABELS[name]), request.field(name))
        w.field(_("Next shift I will"), request.action)


def _feedback_written(w: _Writer, data: PersonalData, _: Gettext) -> None:
    written = data.records.feedback_written
    if not written and not data.records.links:
        return
    w.heading(_("Feedback you gave"))
    if not written:
        w.nothing()
    for item in written:
        request = item.request
        w.subheading(
            f"{item.student}, {w.moment(request.created_at)} ({_(STATUS_NAMES[request.status])})"
        )
        for name in FEEDBACK_FIELDS:
            w.field(_(LABELS[name]), request.field(name))


def _questions(w: _Writer, data: PersonalData, _: Gettext) -> None:
    w.heading(_("Your questions"))
    if not data.questions:
        w.nothing()
    for q in data.questions:
        w.subheading(w.moment(q.asked_at))
        w.line(q.text)
        w.field(_("My answer"), q.answer)
        if q.helpful is not None:
            w.line(
                _("Your rating: {vote}").format(
                    vote=_("helpful") if q.helpful else _("not helpful")
                )
            )
        if q.handed_off_at:
            w.line(_("Passed on to a coordinator"), "I")
        w.field(_("Answer from your coordinator"), q.reply)


def _replies(w: _Writer, data: PersonalData, _: Gettext) -> None:
    replies = data.records.replies_written
    if not replies:
        return
    w.heading(_("Your answers to questions"))
    for reply in replies:
        w.subheading(w.moment(reply.answered_at))
        w.field(_("Question"), reply.question)
        w.field(_("Your answer"), reply.reply)


def _pulse(w: _Writer, data: PersonalData, _: Gettext) -> None:
    r = data.records
    w.heading(_("Weekly pulse"))
    w.line(
        _("Asked {asked} times, answered {answered} times.").format(
            asked=r.pulse_asked, answered=r.pulse_answered
        )
    )
    w.line(_("Your scores are anonymous: they are not stored with your name."), "I")


def _authored(w: _Writer, data: PersonalData, _: Gettext) -> None:
    authored = data.records.authored
    if not authored:
        return
    w.heading(_("What you made for others"))
    for item in authored:
        w.subheading(f"{_(AUTHORED_NAMES[item.kind])}, {w.moment(item.at)}")
        w.line(item.text)


def _messages(w: _Writer, data: PersonalData, _: Gettext) -> None:
    r = data.records
    w.heading(_("Other records"))
    w.pairs(
        [
            (_("Messages from the bot still kept"), str(sum(r.messages.values()))),
            (_("Weekly digests sent to you"), str(r.digests_received)),
        ]
    )
    if r.audit:
        w.subheading(_("Actions about you in the audit log"))
    for record in r.audit:
        w.line(f"{w.moment(record.at)}: {record.action}")
