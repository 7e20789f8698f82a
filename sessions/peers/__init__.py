"""Peers across companies: opt-in, matching, offers and introductions."""
