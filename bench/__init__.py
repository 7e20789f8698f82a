"""The load benchmark of facilitate: `make bench` runs `bench/run.py` (see bench/README.md)."""
