"""The agenda: events, workshops, steps and the room's position (what is on screen)."""
