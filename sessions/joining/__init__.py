"""Joining: the home page, joining by link or code, and the phone page."""
