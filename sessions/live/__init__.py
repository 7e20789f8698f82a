"""The real-time layer, knowing no feature: regions, broadcast, fan-out, sockets, presence."""
