"""A session's results for the coordinator: the area chart, the PDF report, the CSV exports and
the participation certificate, all built from `bot.surveys.scoring.SessionResults`.

Nothing here talks to Telegram; each builder returns bytes (and a file name where one is needed).
`service.py` is the one place that reads the database.
"""
