"""The shell: where each person lands, sign-in, password reset, language, preferences, errors."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import Client

from hotline.core.errors import Conflict, NotFound, ValidationFailed
from hotline.core.models import User
from hotline.core.tests.factories import CustomerUserFactory, OperatorFactory
from hotline.web import selectors, services

pytestmark = pytest.mark.django_db


def test_anonymous_lands_on_login(client: Client) -> None:
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/login/"


def test_roles_land_on_their_home(client: Client) -> None:
    client.force_login(OperatorFactory.create())
    assert client.get("/")["Location"] == "/desk/"
    client.force_login(CustomerUserFactory.create())
    assert client.get("/")["Location"] == "/portal/"


def test_russian_by_default_whatever_the_browser_says(client: Client) -> None:
    page = client.get("/login/", headers={"accept-language": "en-US,en;q=0.9"}).content.decode()
    assert "Вход" in page
    assert 'lang="ru"' in page


def test_sign_in_with_email_and_language_follows_the_account(client: Client) -> None:
    user = OperatorFactory.create(username="olga", email="olga@hotline.test", language="en")
    response = client.post("/login/", {"username": "OLGA@hotline.test", "password": "pass-Word-42"})
    assert response.status_code == 302
    assert client.cookies["django_language"].value == "en"
    page = client.get("/desk/").content.decode()
    assert "New request" in page
    assert user.pk == int(client.session["_auth_user_id"])


def test_wrong_password_is_told_beside_the_form_and_keeps_the_login(client: Client) -> None:
    OperatorFactory.create(username="olga")
    page = client.post("/login/", {"username": "olga", "password": "nope"}).content.decode()
    assert 'value="olga"' in page
    assert "alert-error" in page


def test_language_switch_saves_the_choice(client: Client) -> None:
    user = OperatorFactory.create()
    client.force_login(user)
    response = client.post("/language/", {"language": "en", "next": "/desk/tickets/"})
    assert response["Location"] == "/desk/tickets/"
    user.refresh_from_db()
    assert user.language == "en"
    assert "Tickets" in client.get("/desk/tickets/").content.decode()


def test_language_switch_refuses_foreign_redirects(client: Client) -> None:
    response = client.post("/language/", {"language": "en", "next": "https://evil.example/"})
    assert response["Location"] == "/"
    assert client.cookies["django_language"].value == "en"


def test_preferences_keep_input_on_error_and_save_time_zone(client: Client) -> None:
    user = OperatorFactory.create()
    client.force_login(user)
    bad = client.post("/preferences/", {"language": "ru", "time_zone": "Mars/Olympus"})
    assert bad.status_code == 422
    assert "field-error" in bad.content.decode()
    good = client.post("/preferences/", {"language": "ru", "time_zone": "Asia/Yekaterinburg"})
    assert good.status_code == 302
    user.refresh_from_db()
    assert user.time_zone == "Asia/Yekaterinburg"


def test_password_reset_by_email(client: Client) -> None:
    user = CustomerUserFactory.create(username="anna@example.ru", email="anna@example.ru")
    response = client.post("/password-reset/", {"email": "anna@example.ru"})
    assert response["Location"] == "/password-reset/sent/"
    assert len(mail.outbox) == 1
    link = re.search(r"http://testserver(/password-reset/\S+/\S+/)", str(mail.outbox[0].body))
    assert link is not None
    form_page = client.get(link.group(1), follow=True)
    assert form_page.status_code == 200
    set_url = form_page.redirect_chain[-1][0] if form_page.redirect_chain else link.group(1)
    done = client.post(set_url, {"new_password1": "Nov0e-Parol-2026", "new_password2": "Nov0e-Parol-2026"})
    assert done["Location"] == "/password-reset/done/"
    user.refresh_from_db()
    assert user.check_password("Nov0e-Parol-2026")


def test_password_reset_does_not_reveal_unknown_addresses(client: Client) -> None:
    response = client.post("/password-reset/", {"email": "nobody@example.ru"})
    assert response["Location"] == "/password-reset/sent/"
    assert mail.outbox == []


def test_saved_filters() -> None:
    user = OperatorFactory.create()
    saved = services.save_filter(actor=user, name="Мои срочные", query="?priority=1&page=3&status=open_all")
    assert saved.query == "priority=1&status=open_all"
    with pytest.raises(Conflict):
        services.save_filter(actor=user, name="Мои срочные", query="status=new")
    with pytest.raises(ValidationFailed):
        services.save_filter(actor=user, name="Пусто", query="page=2")
    other = OperatorFactory.create()
    assert list(selectors.list_saved_filters(other)) == []
    with pytest.raises(NotFound):
        services.delete_filter(actor=other, filter_id=saved.pk)
    services.delete_filter(actor=user, filter_id=saved.pk)
    assert list(selectors.list_saved_filters(user)) == []


def test_unknown_preferences_are_refused() -> None:
    user: User = OperatorFactory.create()
    with pytest.raises(ValidationFailed):
        services.update_preferences(actor=user, language="de")
    with pytest.raises(ValidationFailed):
        services.update_preferences(actor=user, time_zone="Nowhere/Town")


def test_healthz(client: Client) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
