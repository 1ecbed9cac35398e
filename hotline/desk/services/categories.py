"""Categories: a tree kept with a materialised path, and the custom fields defined on it."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Value
from django.db.models.functions import Concat, Substr
from django.utils.translation import gettext as _

from hotline.core import audit, config_cache, roles
from hotline.core.errors import Conflict, Forbidden, ValidationFailed
from hotline.core.models import AuditLog, User
from hotline.desk.choices import CustomFieldType
from hotline.desk.models import Category, CustomFieldDefinition, Skill

NAME_MAX = 120
PATH_MAX = 255


def _ensure_admin(actor: User | None) -> None:
    if actor is not None and not roles.is_admin(actor):
        raise Forbidden(_("Категории настраивает администратор"))


@transaction.atomic
def save_category(
    *,
    actor: User | None,
    category: Category | None = None,
    name: str,
    parent: Category | None = None,
    required_skill: Skill | None = None,
    is_active: bool = True,
    sort_order: int = 0,
) -> Category:
    """Create a category or change one (moving it moves its subtree: every path below is rewritten).

    Raises:
        Forbidden: not an administrator.
        ValidationFailed: empty or duplicate name, a parent inside the category's own subtree, a tree too deep.
    """
    _ensure_admin(actor)
    name = (name or "").strip()
    if not name:
        raise ValidationFailed(_("Укажите название категории"), field="name")
    if len(name) > NAME_MAX:
        raise ValidationFailed(_("Название не длиннее %(value)s символов") % {"value": NAME_MAX}, field="name")
    if category is not None and category.pk is not None:
        category = Category.objects.select_for_update().get(pk=category.pk)
    if parent is not None:
        parent = Category.objects.get(pk=parent.pk)
        if category is not None and category.pk is not None and f"/{category.pk}/" in parent.path:
            raise ValidationFailed(_("Категорию нельзя вложить в саму себя или в её подкатегорию"), field="parent_id")
    siblings = Category.objects.filter(parent=parent, name=name)
    if category is not None and category.pk is not None:
        siblings = siblings.exclude(pk=category.pk)
    if siblings.exists():
        raise ValidationFailed(_("Категория «%(value)s» здесь уже есть") % {"value": name}, field="name")

    creating = category is None or category.pk is None
    if category is None:
        category = Category()
    old = {"name": category.name, "parent": category.parent_id, "is_active": category.is_active}
    old_path = category.path
    category.name = name
    category.parent = parent
    category.required_skill = required_skill
    category.is_active = is_active
    category.sort_order = sort_order
    try:
        with transaction.atomic():
            category.save()
    except IntegrityError as exc:  # a concurrent save took the name first
        raise ValidationFailed(_("Категория «%(value)s» здесь уже есть") % {"value": name}, field="name") from exc
    new_path = f"{parent.path if parent is not None else '/'}{category.pk}/"
    if len(new_path) > PATH_MAX:
        raise ValidationFailed(_("Слишком глубокая вложенность категорий"), field="parent_id")
    if new_path != category.path:
        category.path = new_path
        category.save(update_fields=["path"])
        if not creating:
            _move_subtree(old_path, new_path)
    audit.record(
        actor=actor,
        action=AuditLog.Action.CREATE if creating else AuditLog.Action.UPDATE,
        obj=category,
        summary=category.name,
        changes={
            key: [old[key], value]
            for key, value in {"name": name, "parent": category.parent_id, "is_active": is_active}.items()
            if creating or old[key] != value
        },
    )
    return category


def _move_subtree(old_path: str, new_path: str) -> None:
    descendants = Category.objects.filter(path__startswith=old_path).exclude(path=old_path)
    if descendants.exists():
        longest = max(len(p) for p in descendants.values_list("path", flat=True))
        if longest - len(old_path) + len(new_path) > PATH_MAX:
            raise ValidationFailed(_("Слишком глубокая вложенность категорий"), field="parent_id")
        descendants.update(path=Concat(Value(new_path), Substr("path", len(old_path) + 1)))
        config_cache.changed()  # an update() sends no signal; SLA policies cache their categories' paths


@transaction.atomic
def save_custom_field(
    *,
    actor: User | None,
    category: Category,
    key: str,
    label: str,
    field_type: str = CustomFieldType.TEXT,
    required: bool = False,
    choices: list[Any] | None = None,
    sort_order: int = 0,
) -> CustomFieldDefinition:
    """Define (or redefine) a field of a category; its subcategories inherit it.

    Raises:
        Forbidden: not an administrator.
        ValidationFailed: a bad key, an unknown type, a choice field without choices.
        Conflict: the key is already taken by a different field of an ancestor category.
    """
    from django.utils.text import slugify

    _ensure_admin(actor)
    key = (key or "").strip()
    if not key or slugify(key).replace("-", "_") != key.lower() or key != key.lower():
        raise ValidationFailed(_("Ключ: латинские буквы, цифры и «_», например serial_number"), field="key")
    label = (label or "").strip()
    if not label:
        raise ValidationFailed(_("Укажите подпись поля"), field="label")
    if field_type not in CustomFieldType.values:
        raise ValidationFailed(
            _("Тип поля: одно из %(allowed)s") % {"allowed": ", ".join(CustomFieldType.values)}, field="field_type"
        )
    choices = list(choices or [])
    if field_type == CustomFieldType.CHOICE and not choices:
        raise ValidationFailed(_("Для поля-списка задайте варианты"), field="choices")
    ancestors = [int(p) for p in category.path.strip("/").split("/") if p and int(p) != category.pk]
    if CustomFieldDefinition.objects.filter(category_id__in=ancestors, key=key).exists():
        raise Conflict(_("Поле «%(key)s» уже определено в родительской категории") % {"key": key}, field="key")
    definition, created = CustomFieldDefinition.objects.update_or_create(
        category=category,
        key=key,
        defaults={
            "label": label,
            "field_type": field_type,
            "required": required,
            "choices": choices,
            "sort_order": sort_order,
        },
    )
    audit.record(
        actor=actor,
        action=AuditLog.Action.CREATE if created else AuditLog.Action.UPDATE,
        obj=definition,
        summary=f"{category.name}: {key}",
    )
    return definition
