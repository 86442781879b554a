"""A participant's way through a questionnaire: joining, answering, going back, resuming."""
