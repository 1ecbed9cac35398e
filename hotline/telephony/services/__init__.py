"""Every write of telephony, one function per use case (keyword-only, atomic, audited, evented)."""
