"""Every write of the desk, one function per use case (see tools/DESK_SPEC.md for the agreed interface)."""
