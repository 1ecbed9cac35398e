"""Business calendars: when an organisation works, and business-time arithmetic on top of that.

Layout:
- ``hours``, ``production``, ``working``: pure Python (no Django). ``working.WorkingCalendar`` adds business
  minutes to an instant, measures business time between two instants and finds the next working moment,
  walking by intervals and days, never minute by minute. ``production`` carries Russia's production calendar
  (public holidays, the government's day transfers, shortened pre-holiday days) shipped in ``data/``.
- ``models`` (``BusinessCalendar``, ``CalendarException``, ``ProductionCalendarDay``), re-exported by
  ``hotline.core.models``; ``services`` for every write; ``api.get_calendar`` for readers (SLA, campaigns,
  workforce), cached per process and invalidated when a calendar changes.

Publishes ``core.BusinessCalendarChanged`` and ``core.ProductionCalendarChanged`` so that upper apps can
recompute due times.
"""
