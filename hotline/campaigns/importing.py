"""Reading call lists: CSV in any common encoding and delimiter, XLSX (the first sheet), as rows of text.

No Django models here: ``read_table`` turns bytes into a header and rows of strings; ``guess_mapping`` proposes
which column holds what. Values are never lost: every column not mapped to a lead field is kept in the lead's data.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from charset_normalizer import from_bytes
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from hotline.core.errors import ValidationFailed

MAX_ROWS = 200_000
MAX_BYTES = 20 * 1024 * 1024
MAX_COLUMNS = 100

# The lead fields a column can be mapped to; only the phone is required.
FIELDS: dict[str, object] = {
    "phone": gettext_lazy("Телефон"),
    "name": gettext_lazy("ФИО / имя"),
    "external_id": gettext_lazy("Лицевой счёт / договор"),
    "address": gettext_lazy("Адрес"),
    "time_zone": gettext_lazy("Часовой пояс (IANA)"),
    "priority": gettext_lazy("Приоритет (число)"),
}
_HINTS: dict[str, tuple[str, ...]] = {
    "phone": ("телефон", "тел", "phone", "номер телефона", "мобильный", "msisdn", "номер"),
    "name": ("фио", "имя", "name", "full name", "абонент", "клиент", "должник"),
    "external_id": ("лицевой", "лс", "л/с", "договор", "account", "id", "external id", "номер договора"),
    "address": ("адрес", "address", "город", "регион"),
    "time_zone": ("часовой пояс", "timezone", "time zone", "tz"),
    "priority": ("приоритет", "priority"),
}


@dataclass(frozen=True)
class Table:
    headers: list[str]
    rows: list[list[str]]


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        # Excel keeps 79161234567 as a float: write it back without the ".0" or an exponent.
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value).replace("\x00", "").strip()


def _headers(raw: list[str]) -> list[str]:
    headers: list[str] = []
    for index, name in enumerate(raw, start=1):
        base = " ".join(name.split()) or _("Столбец %(n)d") % {"n": index}
        candidate, n = base, 2
        while candidate in headers:
            candidate, n = f"{base} ({n})", n + 1
        headers.append(candidate)
    return headers


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig",):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            pass
    best = from_bytes(data).best()
    if best is None:
        raise ValidationFailed(_("Не удалось определить кодировку файла: сохраните его в UTF-8"), field="file")
    return str(best)


def _read_csv(data: bytes) -> list[list[str]]:
    text = _decode(data)
    sample = text[:20000]
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(sample, delimiters=";,\t|")
    except csv.Error:
        dialect = csv.excel
    try:
        return [[_cell(v) for v in row] for row in csv.reader(io.StringIO(text), dialect)]
    except csv.Error as exc:
        raise ValidationFailed(_("Файл CSV повреждён: %(e)s") % {"e": exc}, field="file") from exc


def _read_xlsx(data: bytes) -> list[list[str]]:
    import zipfile

    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError) as exc:
        raise ValidationFailed(_("Это не файл XLSX или он повреждён"), field="file") from exc
    try:
        sheet = book.worksheets[0] if book.worksheets else None
        if sheet is None:
            return []
        rows: list[list[str]] = []
        for row in sheet.iter_rows(values_only=True):
            rows.append([_cell(v) for v in row])
            if len(rows) > MAX_ROWS + 1:
                break
        return rows
    finally:
        book.close()


def read_table(data: bytes, *, file_name: str) -> Table:
    """The header and rows of a CSV or XLSX file; empty lines skipped, rows padded to the header's width.

    Raises:
        ValidationFailed: unknown format, too large, no header, too many rows or columns (field="file").
    """
    if len(data) > MAX_BYTES:
        raise ValidationFailed(_("Файл больше 20 МБ: разбейте список на части"), field="file")
    lower = file_name.lower()
    if lower.endswith(".xlsx"):
        raw = _read_xlsx(data)
    elif lower.endswith((".csv", ".txt")):
        raw = _read_csv(data)
    else:
        raise ValidationFailed(_("Загрузите файл CSV или XLSX"), field="file")
    raw = [row for row in raw if any(cell for cell in row)]
    if not raw:
        raise ValidationFailed(_("В файле нет ни одной строки"), field="file")
    width = max(len(row) for row in raw)
    while width and not any(len(row) >= width and row[width - 1] for row in raw):
        width -= 1  # trailing columns empty everywhere (Excel's formatting leftovers)
    if width > MAX_COLUMNS:
        raise ValidationFailed(_("Больше %(n)d столбцов") % {"n": MAX_COLUMNS}, field="file")
    if len(raw) - 1 > MAX_ROWS:
        raise ValidationFailed(_("Больше %(n)d строк: разбейте список на части") % {"n": MAX_ROWS}, field="file")
    padded = [(row + [""] * width)[:width] for row in raw]
    return Table(headers=_headers(padded[0]), rows=padded[1:])


def guess_mapping(headers: list[str]) -> dict[str, str]:
    """Lead field → header, for headers whose names say what they hold."""
    mapping: dict[str, str] = {}
    used: set[str] = set()
    for field_name, hints in _HINTS.items():
        for header in headers:
            name = header.casefold().strip()
            if header not in used and any(name == h or name.startswith(h + " ") for h in hints):
                mapping[field_name] = header
                used.add(header)
                break
    return mapping


def validate_mapping(mapping: dict[str, str], headers: list[str]) -> dict[str, str]:
    """Only known fields, each to an existing column, no column twice; the phone column is required.

    Raises:
        ValidationFailed: field="mapping.<field>".
    """
    clean: dict[str, str] = {}
    seen: dict[str, str] = {}
    for field_name, header in mapping.items():
        if not header:
            continue
        if field_name not in FIELDS:
            raise ValidationFailed(_("Неизвестное поле «%(f)s»") % {"f": field_name}, field=f"mapping.{field_name}")
        if header not in headers:
            raise ValidationFailed(_("В файле нет столбца «%(h)s»") % {"h": header}, field=f"mapping.{field_name}")
        if header in seen:
            raise ValidationFailed(_("Столбец «%(h)s» выбран дважды") % {"h": header}, field=f"mapping.{field_name}")
        seen[header] = field_name
        clean[field_name] = header
    if "phone" not in clean:
        raise ValidationFailed(_("Выберите столбец с телефоном"), field="mapping.phone")
    return clean
