"""Telegram handlers: they parse an update, call a service and render the answer."""
