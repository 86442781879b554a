"""The coordinator's work: access rules, the set-up dialogue, invites and live completion."""
