"""Every write of the SLA app: the timer engine (``timers``), warnings and breaches (``checks``), policies."""
