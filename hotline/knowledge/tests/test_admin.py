"""The knowledge-base admin: sections saved through the service (validated, audited), the rest read-only."""

from __future__ import annotations

import pytest
from django.test import Client

from hotline.core.models import AuditLog, User
from hotline.knowledge.models import ArticleCategory


def _client(user: User) -> Client:
    User.objects.filter(pk=user.pk).update(is_superuser=True)  # the Django admin wants model permissions
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.django_db
def test_a_section_is_created_renamed_and_refused_through_the_service(admin_user: User) -> None:
    client = _client(admin_user)
    response = client.post(
        "/admin/knowledge/articlecategory/add/", {"name": "  Счётчики   воды ", "name_en": "", "sort_order": "3"}
    )
    assert response.status_code == 302
    section = ArticleCategory.objects.get()
    assert section.name == "Счётчики воды"  # cleaned by the service
    assert AuditLog.objects.filter(object_type__icontains="articlecategory", action=AuditLog.Action.CREATE).exists()

    response = client.post(
        f"/admin/knowledge/articlecategory/{section.pk}/change/",
        {"name": "Вода", "name_en": "Water", "parent": str(section.pk), "sort_order": "3"},
    )
    assert response.status_code == 200
    assert "Раздел не может быть вложен сам в себя" in response.content.decode()
    section.refresh_from_db()
    assert (section.name, section.parent_id) == ("Счётчики воды", None)


@pytest.mark.django_db
def test_articles_and_templates_are_looked_up_not_edited_in_the_admin(admin_user: User) -> None:
    client = _client(admin_user)
    for model in ("article", "articlefeedback", "cannedresponse", "macro"):
        assert client.get(f"/admin/knowledge/{model}/").status_code == 200
        assert client.get(f"/admin/knowledge/{model}/add/").status_code == 403
