"""Knowledge fixtures: the desk's queues, agents and customers, plus a knowledge-base section."""

from __future__ import annotations

import pytest

from hotline.desk.tests.conftest import (  # noqa: F401  (fixtures shared with the desk's tests)
    admin_user,
    category,
    contact,
    customer,
    department,
    line1,
    line2,
    line3,
    operator,
    organisation,
    other_customer,
    other_operator,
    specialist,
    specialist3,
    supervisor,
    ticket,
)
from hotline.knowledge.models import ArticleCategory
from hotline.knowledge.services import articles


@pytest.fixture
def section(db: None) -> ArticleCategory:
    return articles.save_category(actor=None, name="Счётчики и показания", name_en="Meters")
