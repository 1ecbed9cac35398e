"""Campaign statistics as an XLSX workbook: summary, by agent, by day, dispositions, lead statuses."""

from __future__ import annotations

import io

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet

from hotline.campaigns.models import Campaign
from hotline.campaigns.selectors import CampaignStats, Figures

PERCENT = "0.0%"


def _figure_header() -> list[str]:
    return [
        _("Попыток"),
        _("Абонентов"),
        _("Дозвонов"),
        _("Контактов"),
        _("Успехов"),
        _("Доля контактов"),
        _("Конверсия"),
        _("Попыток на абонента"),
    ]


def _figure_row(f: Figures) -> list[object]:
    return [
        f.attempts,
        f.lead_count,
        f.connected,
        f.contacts,
        f.successes,
        f.contact_rate,
        f.conversion,
        round(f.attempts_per_lead, 2),
    ]


def _table(
    sheet: Worksheet, header: list[str], rows: list[list[object]], percent_columns: tuple[int, ...] = ()
) -> None:
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(row)
    for column in percent_columns:
        for cells in sheet.iter_rows(min_row=2, min_col=column, max_col=column):
            for cell in cells:
                cell.number_format = PERCENT
    for letter, width in zip("ABCDEFGHIJ", (28, 12, 12, 12, 12, 12, 14, 12, 20, 12), strict=False):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "A2"


def stats_workbook(campaign: Campaign, stats: CampaignStats) -> bytes:
    book = Workbook()
    summary = book.active
    assert summary is not None
    summary.title = _("Итоги")[:31]
    summary.append([_("Кампания"), campaign.name])
    summary.append([_("Код"), campaign.code])
    summary.append([_("Тип"), campaign.get_kind_display()])
    summary.append([_("Выгружено"), timezone.localtime().strftime("%d.%m.%Y %H:%M")])
    summary.append([_("Абонентов в кампании"), stats.leads_total])
    summary.append([])
    start = summary.max_row + 1
    for label, value in zip(_figure_header(), _figure_row(stats.total), strict=True):
        summary.append([label, value])
    summary.cell(row=start + 5, column=2).number_format = PERCENT
    summary.cell(row=start + 6, column=2).number_format = PERCENT
    summary.column_dimensions["A"].width = 28
    summary.column_dimensions["B"].width = 40

    _table(
        book.create_sheet(_("По операторам")[:31]),
        [_("Оператор"), *_figure_header()],
        [[name, *_figure_row(f)] for name, f in stats.by_agent],
        (7, 8),
    )
    days = book.create_sheet(_("По дням")[:31])
    _table(days, [_("День"), *_figure_header()], [[day, *_figure_row(f)] for day, f in stats.by_day], (7, 8))
    for cells in days.iter_rows(min_row=2, max_col=1):
        for cell in cells:
            cell.number_format = "DD.MM.YYYY"
    _table(
        book.create_sheet(_("Результаты")[:31]),
        [_("Результат"), _("Звонков")],
        [[n, c] for n, c in stats.by_disposition],
    )
    _table(
        book.create_sheet(_("Абоненты")[:31]), [_("Статус"), _("Абонентов")], [[s, c] for s, c in stats.lead_statuses]
    )
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
