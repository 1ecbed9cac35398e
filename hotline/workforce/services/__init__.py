"""Every write of workforce, one function per use case (keyword-only, atomic, audited, evented)."""
