"""Telegram's limits on new messages from one bot, in messages a second."""

# About 30 a second for free; with allow_paid_broadcast up to 1,000, those above the free
# rate paid in Stars (0.1 each).
FREE_RATE = 30
PAID_RATE = 1000
