"""SLA test factories. Policies made here skip the service: tests of policy rules call ``save_policy``."""

from __future__ import annotations

import factory

from hotline.sla.models import SlaPolicy


class SlaPolicyFactory(factory.django.DjangoModelFactory[SlaPolicy]):
    class Meta:
        model = SlaPolicy

    name = factory.Sequence(lambda n: f"Политика {n}")
    order = factory.Sequence(lambda n: (n + 1) * 10)
    first_response_minutes = 60
    next_response_minutes = 120
    resolution_minutes = 480
    warning_percent = 80
