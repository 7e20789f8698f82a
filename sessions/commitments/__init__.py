"""Commitments: the cards delegates fill in, their wall, follow-ups, check-ins, the dashboard."""
