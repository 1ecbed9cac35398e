"""Campaign fixtures: a supervisor, two operators, a running debt campaign with a list."""

from __future__ import annotations

import pytest

from hotline.campaigns.choices import CampaignKind
from hotline.campaigns.models import CallList, Campaign
from hotline.campaigns.tests.factories import CallListFactory, CampaignFactory
from hotline.core.models import User
from hotline.core.tests.factories import OperatorFactory, SupervisorFactory


@pytest.fixture
def supervisor(db: None) -> User:
    return SupervisorFactory.create(username="boss")


@pytest.fixture
def operator(db: None) -> User:
    return OperatorFactory.create(username="op1", phone_extension="101")


@pytest.fixture
def other_operator(db: None) -> User:
    return OperatorFactory.create(username="op2", phone_extension="102")


@pytest.fixture
def debt_campaign(db: None) -> Campaign:
    return CampaignFactory.create(kind=CampaignKind.DEBT, code="debt", name="Долги")


@pytest.fixture
def debt_list(debt_campaign: Campaign) -> CallList:
    return CallListFactory.create(campaign=debt_campaign)


@pytest.fixture
def info_campaign(db: None) -> Campaign:
    return CampaignFactory.create(kind=CampaignKind.INFORMATION, code="info", name="Информирование")


@pytest.fixture
def info_list(info_campaign: Campaign) -> CallList:
    return CallListFactory.create(campaign=info_campaign)
