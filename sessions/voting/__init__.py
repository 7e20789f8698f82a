"""Votes: polls, ballots, tallies and the focus they carry forward."""
