"""Texts and keyboards of the broadcast flow and its delivery report."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardMarkup

from bot.i18n import N_, Gettext
from bot.services.broadcasts.types import Audience, Broadcast, Draft, Preview, visible_text
from bot.services.identity.domain import Cohort
from bot.services.kernel.local_time import WhenProblem
from bot.tg.kit.callbacks import pack
from bot.tg.kit.render import esc, keyboard

ONLY_COORDINATORS = N_("Only coordinators can send broadcasts.")
AUDIENCE_NAMES = {
    Audience.STUDENTS: N_("Students"),
    Audience.SUPERVISORS: N_("Supervisors"),
    Audience.BOTH: N_("Students and supervisors"),
}
WHEN_PROBLEMS = {
    WhenProblem.FORMAT: N_(
        "I could not read that as a date and time. Please write it like 2027-02-10 08:00 "
        "(year-month-day hours:minutes), or /annuller."
    ),
    WhenProblem.PAST: N_("That moment has already passed. Please choose a later time."),
    WhenProblem.TOO_FAR: N_("Please choose a time within the next year."),
}
REPORT_LINES = (
    ("sent", N_("✅ Sent: {count}")),
    ("failed", N_("❌ Failed: {count}")),
    ("blocked", N_("🚫 Blocked the bot: {count}")),
    ("pending", N_("⏳ Waiting: {count}")),
    ("cancelled", N_("🛑 Cancelled: {count}")),
)


def cohort_keyboard(draft: Draft, _: Gettext) -> InlineKeyboardMarkup:
    """Return toggle buttons for the coordinator's cohorts, and Next."""
    chosen = set(draft.broadcast.cohort_ids)
    bid = draft.broadcast.id
    rows = [
        [(("✅ " if c.id in chosen else "▫️ ") + c.name, pack("bc", "t", bid, c.id))]
        for c in draft.cohorts[:40]
    ]
    rows.append([(_("Cancel"), pack("bc", "x", bid)), (_("Next") + " →", pack("bc", "n", bid))])
    return keyboard(rows)


def audience_keyboard(broadcast_id: int, _: Gettext) -> InlineKeyboardMarkup:
    """Return the audience buttons."""
    rows = [
        [(_(name), pack("bc", "a", broadcast_id, audience.value))]
        for audience, name in AUDIENCE_NAMES.items()
    ]
    rows.append([(_("Cancel"), pack("bc", "x", broadcast_id))])
    return keyboard(rows)


def cohort_names(cohorts: Sequence[Cohort]) -> str:
    """Return the cohorts' names, escaped and joined."""
    return ", ".join(esc(c.name) for c in cohorts)


def preview_text(preview: Preview, _: Gettext) -> str:
    """Return the text under the preview: the recipient count and what happens next."""
    audience = preview.broadcast.audience or Audience.BOTH
    where = {"audience": _(AUDIENCE_NAMES[audience]), "cohorts": cohort_names(preview.cohorts)}
    if preview.recipients == 0:
        return _("Nobody would receive this: there are no {audience} in {cohorts} yet.").format(
            **where
        )
    return "\n".join(
        [
            _("☝️ This is exactly how your message will look."),
            _("Recipients: <b>{count}</b> ({audience} in {cohorts}).").format(
                count=preview.recipients, **where
            ),
        ]
    )


def preview_keyboard(preview: Preview, _: Gettext) -> InlineKeyboardMarkup:
    """Return Send now / Schedule / Cancel (only Cancel when nobody would receive it)."""
    bid = preview.broadcast.id
    cancel = [(_("Cancel"), pack("bc", "x", bid))]
    if preview.recipients == 0:
        return keyboard([cancel])
    return keyboard(
        [[(_("Send now"), pack("bc", "s", bid)), (_("Schedule"), pack("bc", "l", bid))], cancel]
    )


def report_text(broadcast: Broadcast, shown: dict[str, int], _: Gettext, done: bool) -> str:
    """Return the delivery report the confirmation message shows."""
    lines = [
        _("📣 <b>Broadcast #{id}</b> to {count} recipients").format(
            id=broadcast.id, count=broadcast.recipients or sum(shown.values())
        )
    ]
    for key, label in REPORT_LINES:
        if shown.get(key) or key in ("sent", "pending"):
            lines.append(_(label).format(count=shown.get(key, 0)))
    lines.append(_("Done.") if done else _("Sending…"))
    return "\n".join(lines)


def scheduled_text(broadcast: Broadcast, timezone: str, _: Gettext) -> str:
    """Return the confirmation of a scheduled broadcast."""
    return _(
        "📅 Broadcast #{id} is scheduled for {when} ({timezone}) to {count} recipients. "
        "/broadcasts shows it and lets you cancel it."
    ).format(
        id=broadcast.id,
        when=local_time(broadcast.send_at, timezone),
        timezone=esc(timezone),
        count=broadcast.recipients or 0,
    )


def local_time(moment: datetime | None, timezone: str) -> str:
    """Return a moment as local "YYYY-MM-DD HH:MM"."""
    return f"{moment.astimezone(ZoneInfo(timezone)):%Y-%m-%d %H:%M}" if moment else "–"


def scheduled_line(broadcast: Broadcast, cohorts: Sequence[Cohort], timezone: str) -> str:
    """Return one scheduled broadcast for /broadcasts: when, where, and how it begins."""
    start = " ".join(visible_text(broadcast.text or "").split())
    start = start if len(start) <= 60 else start[:59] + "…"
    return (
        f"<b>#{broadcast.id}</b> · {local_time(broadcast.send_at, timezone)} · "
        f"{cohort_names(cohorts)} · {broadcast.recipients or 0}\n<i>{esc(start)}</i>"
    )
