"""The coordinator's side of the chat, one module per task, each task's screens beside it:
`setup` (the set-up dialogue), `session_card` (a session and its views), `after_close` (the
follow-up session booked from the results), `team` (the school's coordinators and their
invites) and `help`; `buttons` sends a pressed button to its task.
`bot.app` registers their handlers, and says which of them answer before the participant's."""
