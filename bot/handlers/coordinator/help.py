"""/help for coordinators and admins: their commands after the participant's help."""

from __future__ import annotations

from telegram import Update

from bot.context import AppContext
from bot.handlers.coordinator.shared import reply, who
from bot.handlers.language import language_of
from bot.i18n import texts


async def show_help(update: Update, context: AppContext) -> bool:
    """Coordinators and admins see their commands after the participant's help (True); others
    get the participant's help alone."""
    user = who(update)
    coordination = context.services.coordination
    is_admin = coordination.is_admin(user.id)
    schools = await coordination.schools_of(user=user.id)
    if not schools and not is_admin:
        return False
    language = await language_of(context, user)
    t = texts()
    parts = [t(language, "help.text")]
    if schools:
        parts.append(t(language, "coordinator_help.text"))
    if is_admin:
        parts.append(t(language, "coordinator_help.admin_text"))
    await reply(update, "\n\n".join(parts))
    return True
