"""Texts used by several handlers. Message ids are English; catalogues translate."""

from __future__ import annotations

import html

from bot.i18n import N_, gettext_for
from bot.services.identity.access import Profile
from bot.services.identity.domain import InviteProblem, Profession, Role
from bot.tg.kit.menu import CommandMenu, commands_for

ROLE_NAMES = {
    Role.STUDENT: N_("student"),
    Role.SUPERVISOR: N_("supervisor"),
    Role.COORDINATOR: N_("coordinator"),
}
PROFESSION_NAMES = {
    Profession.NURSING: N_("nursing"),
    Profession.SOSU_ASSISTANT: N_("social and health care assistant (SOSU)"),
    Profession.SOSU_HELPER: N_("social and health care helper (SOSU)"),
    Profession.MEDICINE: N_("medicine"),
    Profession.PHYSIOTHERAPY: N_("physiotherapy"),
    Profession.OCCUPATIONAL_THERAPY: N_("occupational therapy"),
    Profession.MIDWIFERY: N_("midwifery"),
    Profession.RADIOGRAPHY: N_("radiography"),
    Profession.BIOMEDICAL_LAB: N_("biomedical laboratory science"),
    Profession.OTHER: N_("other"),
}
INVITE_PROBLEMS = {
    InviteProblem.UNKNOWN: N_(
        "I don't recognise that invite code. Please check the link or QR code, "
        "or ask your coordinator for a new one."
    ),
    InviteProblem.EXPIRED: N_(
        "That invite has expired. Please ask your coordinator for a new link."
    ),
    InviteProblem.USED_UP: N_(
        "That invite has already been used as many times as it allows. "
        "Please ask your coordinator for a new link."
    ),
    InviteProblem.REVOKED: N_(
        "That invite has been withdrawn by the coordinator. Please ask them for a new link."
    ),
    InviteProblem.COHORT_ENDED: N_(
        "The placement this invite belongs to has ended, so it can no longer be used."
    ),
}

ROLE_INTROS = {
    Role.STUDENT: N_(
        "As a student you get a short reflection prompt after your shifts. Your answers go "
        "into your private logbook, tied to your learning goals; only you decide whether "
        "your supervisor sees an entry."
    ),
    Role.SUPERVISOR: N_(
        "As a supervisor you will get your students' feedback requests and reminders "
        "of the placement conversations, right here in the chat."
    ),
    Role.COORDINATOR: N_(
        "As a coordinator you create invite links, link students to supervisors, send "
        "broadcasts to your cohorts (now or at a set time), choose the welcome text new "
        "students get, and answer the questions I pass on to you."
    ),
}


def help_text(menu: CommandMenu, profile: Profile | None, language: str) -> str:
    """Return the /help text for a person's roles, in their language."""
    _ = gettext_for(language)
    if profile is None:
        lines = [
            _("Praktikbot helps you learn on your clinical placement."),
            "",
            _(
                "To start, open the invite link or scan the QR code you got from "
                "your placement coordinator."
            ),
            "",
        ]
    else:
        lines = [
            _("Hi {name}!").format(name=html.escape(profile.person.display_name, quote=False)),
            "",
        ]
        for role in (Role.STUDENT, Role.SUPERVISOR, Role.COORDINATOR):
            if profile.has_role(role):
                lines.append(_(ROLE_INTROS[role]))
        lines.append("")
    lines.append(
        _(
            "Write a question at any time and I will look for the answer in the placement "
            "documents."
        )
    )
    lines.append("")
    lines.append(_("Commands:"))
    lines += [f"/{cmd} – {_(desc)}" for cmd, desc in commands_for(menu, profile)]
    return "\n".join(lines)
