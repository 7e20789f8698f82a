"""The outcome report: what an event (or a series of events) achieved, fit for a funder."""
