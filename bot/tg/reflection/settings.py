"""/indstillinger (when the daily prompt comes), /pause until a date and /genoptag."""

from __future__ import annotations

import re
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from telegram import InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, filters

from bot.context import BotContext
from bot.i18n import N_, Gettext, gettext_for
from bot.services.kernel.errors import Invalid, NotAllowed
from bot.services.reflection.schedule_rules import SHIFT_ENDS, format_minutes
from bot.services.reflection.schedules import TIMEZONES, ScheduleView
from bot.services.reflection.types import PromptMode, Shift
from bot.tg.kit.callbacks import unpack
from bot.tg.kit.common import whoami
from bot.tg.kit.menu import Audience, register_commands
from bot.tg.kit.render import edit_or_send, esc, keyboard, reply

PRIVATE = filters.ChatType.PRIVATE
TIMES = (7 * 60 + 30, 12 * 60, 15 * 60 + 30, 19 * 60, 21 * 60)
QUIET = ((22 * 60, 7 * 60), (23 * 60, 8 * 60), (30, 10 * 60), (9 * 60, 17 * 60), (0, 0))
SHIFT_NAMES = {Shift.DAY: N_("day"), Shift.EVENING: N_("evening"), Shift.NIGHT: N_("night")}
_DATE = re.compile(r"^(\d{1,2})[-./](\d{1,2})[-./](\d{4})$|^(\d{4})-(\d{1,2})-(\d{1,2})$")
NOT_STUDENT = N_("Reflection prompts are for students.")


def settings_message(view: ScheduleView, language: str, _: Gettext) -> str:
    """Return the student's prompt settings and when the next prompt comes."""
    s, person = view.schedule, view.person
    days = [format_date(date(2024, 1, 1 + d), "EEE", locale=language) for d in range(7)]
    chosen = ", ".join(days[d] for d in range(7) if s.days >> d & 1) or "–"
    if s.mode is PromptMode.SHIFT:
        ends = SHIFT_ENDS[s.shift][1].strftime("%H:%M")
        when = _("after your {shift} shift (it ends at {time})").format(
            shift=_(SHIFT_NAMES[s.shift]), time=ends
        )
    else:
        when = _("at {time}").format(time=format_minutes(s.at_minutes))
    quiet = (
        f"{format_minutes(s.quiet_start)}–{format_minutes(s.quiet_end)}"
        if s.quiet_start != s.quiet_end
        else _("none")
    )
    lines = ["<b>" + _("Your daily reflection prompt") + "</b>", ""]
    lines.append(_("When: {when}").format(when=when))
    lines.append(_("Days: {days}").format(days=esc(chosen)))
    lines.append(_("Quiet hours: {quiet}").format(quiet=quiet))
    lines.append(_("Time zone: {zone}").format(zone=esc(person.timezone)))
    lines += ["", _status(view, language, _)]
    return "\n".join(lines)


def _status(view: ScheduleView, language: str, _: Gettext) -> str:
    """Return whether prompts are on, paused or over, and when the next one comes."""
    s = view.schedule
    if not s.enabled:
        return _("Prompts are switched off.")
    paused = ""
    if s.paused_until is not None:
        until = format_date(s.paused_until, "d. MMMM", locale=language)
        paused = _("Paused; prompts resume on {date}.").format(date=until) + " "
    if s.next_at is None:
        return paused + _("No more prompts in this placement period.")
    local = s.next_at.astimezone(ZoneInfo(view.person.timezone))
    moment = format_datetime(local, "EEEE d. MMMM 'kl.' HH:mm", locale=language)
    return paused + _("Next prompt: {moment}.").format(moment=moment)


def settings_keyboard(view: ScheduleView, language: str, _: Gettext) -> InlineKeyboardMarkup:
    """Return buttons for every setting; the current choice carries a tick."""
    s = view.schedule

    def tick(label: str, on: bool) -> str:
        return f"✅ {label}" if on else label

    shift_mode = s.mode is PromptMode.SHIFT
    rows = [
        [
            (tick(_("After my shift"), shift_mode), "st:mode:shift"),
            (tick(_("At a set time"), not shift_mode), "st:mode:time"),
        ]
    ]
    if shift_mode:
        rows.append([(tick(_(SHIFT_NAMES[k]), s.shift is k), f"st:shift:{k}") for k in Shift])
    else:
        rows.append([(tick(format_minutes(t), s.at_minutes == t), f"st:at:{t}") for t in TIMES])
    days = [format_date(date(2024, 1, 1 + d), "EEEEEE", locale=language) for d in range(7)]
    rows.append([(tick(days[d], bool(s.days >> d & 1)), f"st:day:{d}") for d in range(7)])
    rows.append([(_("Change quiet hours"), "st:quiet:next"), (_("Time zone"), "st:tz:next")])
    rows.append(
        [
            (_("Switch prompts off"), "st:on:0")
            if s.enabled
            else (_("Switch prompts on"), "st:on:1")
        ]
    )
    return keyboard(rows)


async def settings_command(update: Update, context: BotContext) -> None:
    """Show the prompt settings with their buttons."""
    await _show(update, context)


async def _show(update: Update, context: BotContext, view: ScheduleView | None = None) -> None:
    """Render the settings (fetching them unless given), editing the pressed message."""
    user = update.effective_user
    assert user is not None
    _profile, language = await whoami(update, context)
    _ = gettext_for(language)
    try:
        view = view or await context.services.schedules.view(user.id)
    except NotAllowed:
        await reply(update, _(NOT_STUDENT))
        return
    markup = settings_keyboard(view, language, _)
    await edit_or_send(update, settings_message(view, language, _), markup)


async def settings_button(update: Update, context: BotContext) -> None:
    """Apply one setting from a button and show the result."""
    query = update.callback_query
    assert query is not None
    _profile, language = await whoami(update, context)
    _ = gettext_for(language)
    fields = unpack(query.data, "st", 2)
    try:
        if fields is None:
            raise Invalid("data")
        current = await context.services.schedules.view(query.from_user.id)
        view = await _apply(context, query.from_user.id, current, *fields)
    except (Invalid, NotAllowed, ValueError):
        await query.answer(_("That button is no longer valid."))
        return
    await query.answer(_("Saved."))
    await _show(update, context, view)


async def _apply(
    context: BotContext, telegram_id: int, current: ScheduleView, name: str, value: str
) -> ScheduleView:
    """Change the setting a button names; raise Invalid for anything forged."""
    schedules, s = context.services.schedules, current.schedule
    if name == "mode":
        return await schedules.change(telegram_id, mode=PromptMode(value))
    if name == "shift":
        return await schedules.change(telegram_id, shift=Shift(value))
    if name == "at" and value.isdigit() and int(value) in TIMES:
        return await schedules.change(telegram_id, at_minutes=int(value))
    if name == "day" and value.isdigit() and int(value) < 7:
        return await schedules.change(telegram_id, days=s.days ^ (1 << int(value)))
    if name == "quiet":
        now = (s.quiet_start, s.quiet_end)
        following = QUIET[(QUIET.index(now) + 1) % len(QUIET)] if now in QUIET else QUIET[0]
        return await schedules.change(
            telegram_id, quiet_start=following[0], quiet_end=following[1]
        )
    if name == "tz":
        zone = current.person.timezone
        index = TIMEZONES.index(zone) + 1 if zone in TIMEZONES else 0
        return await schedules.set_timezone(telegram_id, TIMEZONES[index % len(TIMEZONES)])
    if name == "on" and value in ("0", "1"):
        return await schedules.change(telegram_id, enabled=value == "1")
    if name == "pause" and value in ("7", "14"):
        return await schedules.pause_for(telegram_id, timedelta(days=int(value)))
    raise Invalid(name)


def parse_date(text: str) -> date | None:
    """Return the date in "DD-MM-YYYY" (also . or /) or "YYYY-MM-DD", or None."""
    match = _DATE.match(text.strip())
    if not match:
        return None
    day, month, year = match.group(1, 2, 3) if match.group(1) else match.group(6, 5, 4)
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        return None


async def pause_command(update: Update, context: BotContext) -> None:
    """Pause prompts until a date (/pause 01-03-2027), or offer one or two weeks."""
    message, user = update.effective_message, update.effective_user
    assert message is not None
    assert user is not None
    _profile, language = await whoami(update, context)
    _ = gettext_for(language)
    parts = (message.text or "").split(maxsplit=1)
    if len(parts) == 1:
        rows = [[(_("1 week"), "st:pause:7"), (_("2 weeks"), "st:pause:14")]]
        await reply(
            update,
            _("How long? Or write the date prompts should resume, e.g. /pause 01-03-2027."),
            keyboard(rows),
        )
        return
    until = parse_date(parts[1])
    try:
        if until is None:
            raise Invalid("date")
        view = await context.services.schedules.pause(user.id, until)
    except NotAllowed:
        await reply(update, _(NOT_STUDENT))
        return
    except Invalid:
        await reply(
            update,
            _("Please give a date within the next year, e.g. /pause 01-03-2027."),
        )
        return
    await _show(update, context, view)


async def resume_command(update: Update, context: BotContext) -> None:
    """End a pause and switch prompts on again."""
    user = update.effective_user
    assert user is not None
    _profile, language = await whoami(update, context)
    try:
        view = await context.services.schedules.resume(user.id)
    except NotAllowed:
        await reply(update, gettext_for(language)(NOT_STUDENT))
        return
    await _show(update, context, view)


def register(app: Application) -> None:
    """Register /indstillinger, /pause, /genoptag and the settings buttons."""
    register_commands(
        app,
        Audience.STUDENT,
        ("indstillinger", N_("When your daily prompt comes"), 60),
        ("pause", N_("Pause the prompts (holiday, sick leave)"), 70),
        ("genoptag", N_("Resume the prompts"), 80),
    )
    app.add_handler(
        CommandHandler(["indstillinger", "settings"], settings_command, filters=PRIVATE)
    )
    app.add_handler(CommandHandler("pause", pause_command, filters=PRIVATE))
    app.add_handler(CommandHandler(["genoptag", "resume"], resume_command, filters=PRIVATE))
    app.add_handler(CallbackQueryHandler(settings_button, pattern=r"^st:"))
