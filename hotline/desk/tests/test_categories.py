"""The category tree (materialised path) and custom field definitions."""

from __future__ import annotations

import pytest

from hotline.core.errors import Conflict, Forbidden, ValidationFailed
from hotline.core.models import User
from hotline.desk.choices import CustomFieldType
from hotline.desk.models import Category
from hotline.desk.services.categories import save_category, save_custom_field
from hotline.desk.services.custom_fields import definitions_for

pytestmark = pytest.mark.django_db


def _path(category: Category) -> str:
    return Category.objects.get(pk=category.pk).path


def test_paths_follow_the_tree(admin_user: User) -> None:
    it = save_category(actor=admin_user, name="ИТ")
    hardware = save_category(actor=admin_user, name="Оборудование", parent=it)
    printers = save_category(actor=admin_user, name="Принтеры", parent=hardware)
    assert _path(it) == f"/{it.pk}/"
    assert _path(printers) == f"/{it.pk}/{hardware.pk}/{printers.pk}/"


def test_moving_a_category_moves_its_subtree(admin_user: User) -> None:
    it = save_category(actor=admin_user, name="ИТ")
    office = save_category(actor=admin_user, name="Офис")
    hardware = save_category(actor=admin_user, name="Оборудование", parent=it)
    printers = save_category(actor=admin_user, name="Принтеры", parent=hardware)
    laser = save_category(actor=admin_user, name="Лазерные", parent=printers)
    save_category(actor=admin_user, category=hardware, name="Оборудование", parent=office)
    assert _path(hardware) == f"/{office.pk}/{hardware.pk}/"
    assert _path(laser) == f"/{office.pk}/{hardware.pk}/{printers.pk}/{laser.pk}/"
    assert _path(it) == f"/{it.pk}/"


def test_a_category_cannot_go_under_itself(admin_user: User) -> None:
    it = save_category(actor=admin_user, name="ИТ")
    child = save_category(actor=admin_user, name="Сеть", parent=it)
    for parent in (it, child):
        with pytest.raises(ValidationFailed) as err:
            save_category(actor=admin_user, category=it, name="ИТ", parent=parent)
        assert err.value.field == "parent_id"


def test_names_are_unique_among_siblings_only(admin_user: User) -> None:
    it = save_category(actor=admin_user, name="ИТ")
    office = save_category(actor=admin_user, name="Офис")
    save_category(actor=admin_user, name="Прочее", parent=it)
    save_category(actor=admin_user, name="Прочее", parent=office)
    with pytest.raises(ValidationFailed) as err:
        save_category(actor=admin_user, name="Прочее", parent=it)
    assert err.value.field == "name"
    with pytest.raises(ValidationFailed):
        save_category(actor=admin_user, name="  ")


def test_only_administrators_edit_categories(operator: User) -> None:
    with pytest.raises(Forbidden):
        save_category(actor=operator, name="ИТ")


def test_fields_are_inherited_and_a_child_cannot_redefine_a_parents_key(admin_user: User) -> None:
    it = save_category(actor=admin_user, name="ИТ")
    printers = save_category(actor=admin_user, name="Принтеры", parent=it)
    save_custom_field(actor=admin_user, category=it, key="inventory", label="Инв. номер", required=True)
    save_custom_field(
        actor=admin_user,
        category=printers,
        key="cartridge",
        label="Картридж",
        field_type=CustomFieldType.CHOICE,
        choices=["CF259A"],
    )
    assert list(definitions_for(printers)) == ["inventory", "cartridge"]
    assert list(definitions_for(it)) == ["inventory"]
    with pytest.raises(Conflict):
        save_custom_field(actor=admin_user, category=printers, key="inventory", label="Другое")


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"key": "Серийный"}, "key"),
        ({"key": "serial number"}, "key"),
        ({"label": ""}, "label"),
        ({"field_type": "colour"}, "field_type"),
        ({"field_type": CustomFieldType.CHOICE}, "choices"),
    ],
)
def test_field_definitions_are_validated(admin_user: User, kwargs: dict[str, object], field: str) -> None:
    category = save_category(actor=admin_user, name="ИТ")
    values: dict[str, object] = {"key": "serial", "label": "Серийный номер", **kwargs}
    with pytest.raises(ValidationFailed) as err:
        save_custom_field(actor=admin_user, category=category, **values)  # type: ignore[arg-type]
    assert err.value.field == field
