"""Every write of campaigns, one function per use case (keyword-only, atomic, audited, evented)."""
