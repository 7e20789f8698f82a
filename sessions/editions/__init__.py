"""Editions of an event: series, the series' challenge list and its mapping, and the
comparison of an edition with the last one."""
