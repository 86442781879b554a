"""The coordinator's side of the chat, one module per task, each task's screens beside it."""
