"""Taking updates in: the per-chat update processor and the webhook server of a worker."""
