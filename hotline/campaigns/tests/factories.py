"""Factories for campaigns. Leads made here skip the import (no rejections report): fixtures and list pages."""

from __future__ import annotations

from typing import Any

import factory

from hotline.campaigns.choices import CampaignKind, CampaignStatus, ListSource
from hotline.campaigns.models import CallList, Campaign, Gateway, Lead
from hotline.campaigns.rules.zones import pack, resolve_zones
from hotline.campaigns.services.campaigns import _default_dispositions
from hotline.campaigns.services.imports import debtor_key


class GatewayFactory(factory.django.DjangoModelFactory[Gateway]):
    class Meta:
        model = Gateway

    name = factory.Sequence(lambda n: f"АТС {n}")
    originate_url = "http://127.0.0.1:9/originate"
    report_url = "http://127.0.0.1:9/campaigns/dialer/events/"
    secret = "s3cret"
    caller_id = "+74951234567"


class CampaignFactory(factory.django.DjangoModelFactory[Campaign]):
    """A running campaign with the default dispositions of its kind."""

    class Meta:
        model = Campaign
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Кампания {n}")
    code = factory.Sequence(lambda n: f"campaign-{n}")
    kind = CampaignKind.INFORMATION
    status = CampaignStatus.RUNNING

    @factory.post_generation  # type: ignore[untyped-decorator]
    def dispositions(obj: Campaign, create: bool, extracted: Any, **kwargs: Any) -> None:  # noqa: N805
        if create:
            _default_dispositions(obj)


class CallListFactory(factory.django.DjangoModelFactory[CallList]):
    class Meta:
        model = CallList

    campaign = factory.SubFactory(CampaignFactory)
    name = factory.Sequence(lambda n: f"Список {n}")
    source = ListSource.CSV


def make_lead(call_list: CallList, phone: str, **values: Any) -> Lead:
    """A lead as the import would make it: zones resolved, the debtor key set."""
    resolution = resolve_zones(explicit=values.get("time_zone", ""), number=phone, address=values.get("address", ""))
    contact = values.pop("contact", None)
    return Lead.objects.create(
        campaign=call_list.campaign,
        call_list=call_list,
        phone=phone,
        contact=contact,
        zones=pack(resolution.zones),
        zone_source=resolution.source,
        debtor_key=values.pop("debtor_key", None)
        or debtor_key(
            contact_id=contact.pk if contact else None, external_id=values.get("external_id", ""), phone=phone
        ),
        **values,
    )
