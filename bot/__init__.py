"""SELFIE-style digital-readiness self-reflections for schools, over Telegram."""
