"""Search: the index and the one service in front of it."""
