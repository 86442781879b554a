"""The yardstick for the answer benchmark: python-telegram-bot doing the same shape of work as
the survey bot, and nothing else.

    SELFIE_BOT_TOKEN=... SELFIE_API_URL=... python -m benchmarks.minimal_bot

/start sends a statement with the same keyboard as ours (five values, N/A, Help, Back); a
press answers the callback query and edits the message to the next statement. No database, no
texts catalogue. The Application is built like ours (same concurrency, same rate limiter), so
the difference between the two is the cost of our own code.
"""

from __future__ import annotations

import html
import os

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.ext import (
    AIORateLimiter,
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
)

from bot.app import ALLOWED_UPDATES, CONCURRENT_UPDATES

TOTAL = 40
TEXT = (
    "Teachers use digital tools to give each learner feedback that helps them take the next "
    "step, and learners can see how their work develops over time."
)


def statement(position: int) -> tuple[str, InlineKeyboardMarkup]:
    cells = round(10 * position / TOTAL)
    text = (
        f"<b>C · Teaching and learning</b>\nStatement {position + 1} of {TOTAL}  "
        f"{'▰' * cells}{'▱' * (10 - cells)}\n\n<b>{html.escape(TEXT)}</b>\n\n"
        "1 = Strongly disagree … 5 = Strongly agree"
    )
    scale = [
        InlineKeyboardButton(str(value), callback_data=f"a:1:C{position}:{value}")
        for value in range(1, 6)
    ]
    rows = [
        scale,
        [InlineKeyboardButton("N/A – not applicable", callback_data=f"a:1:C{position}:0")],
        [
            InlineKeyboardButton("❓ Help", callback_data=f"h:1:C{position}:1"),
            InlineKeyboardButton("◀ Back", callback_data=f"b:1:C{position}"),
        ],
    ]
    return text, InlineKeyboardMarkup(rows)


async def on_start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_chat is not None
    text, keyboard = statement(0)
    await context.bot.send_message(
        update.effective_chat.id, text, parse_mode=ParseMode.HTML, reply_markup=keyboard
    )


async def on_press(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None
    position = int(query.data.split(":")[2][1:])
    await query.answer()
    text, keyboard = statement((position + 1) % TOTAL)
    await query.edit_message_text(text, parse_mode=ParseMode.HTML, reply_markup=keyboard)


def main() -> None:
    application = (
        Application.builder()
        .token(os.environ["SELFIE_BOT_TOKEN"])
        .base_url(os.environ["SELFIE_API_URL"])
        .concurrent_updates(CONCURRENT_UPDATES)
        .rate_limiter(AIORateLimiter(overall_max_rate=0, group_max_rate=0, max_retries=3))
        .build()
    )
    application.add_handler(CommandHandler("start", on_start))
    application.add_handler(CallbackQueryHandler(on_press))
    # python-telegram-bot's default unless told otherwise (to compare like with like)
    poll_interval = float(os.environ.get("SELFIE_POLL_INTERVAL", "0"))
    application.run_polling(allowed_updates=ALLOWED_UPDATES, poll_interval=poll_interval)


if __name__ == "__main__":
    main()
