"""Time-based work: session openings, reminder rounds and the close, rebuilt from the database."""
