"""The Productivity Snapshot: the item bank, the one place scores are computed, the verbs."""
