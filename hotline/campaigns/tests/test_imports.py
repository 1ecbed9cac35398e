"""Call lists: CSV and XLSX with bad rows (every row imported or rejected with its reason), segments of contacts."""

from __future__ import annotations

import io
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from hotline.campaigns.choices import ImportStatus, ListSource, RejectReason
from hotline.campaigns.models import CallList, Campaign, DoNotCall, ImportJob, Lead
from hotline.campaigns.services import imports
from hotline.campaigns.tests.factories import make_lead
from hotline.core.errors import Conflict, Forbidden, ValidationFailed
from hotline.core.models import OutboxEvent, User
from hotline.customers.tests.factories import ContactFactory, ContactPhoneFactory, OrganisationFactory, TagFactory

Capture = Callable[..., AbstractContextManager[list[Callable[[], Any]]]]

CSV_ROWS = [
    "ФИО;Телефон;Адрес;Лицевой счёт;Сумма долга;Часовой пояс",
    "Иванов Иван;+7 495 111-11-11;г. Москва;LS-1;1500,00;",  # 2: fine
    "Петров Пётр;12345;;LS-2;10;",  # 3: not a number
    "Сидорова Анна;;;LS-3;20;",  # 4: no number
    "Иванов Иван (дубль);8 (495) 111-11-11;;LS-1;1500;",  # 5: row 2 again, written differently
    "Кузнецов;+7 495 222-22-22;;LS-5;30;",  # 6: on the do-not-call list
    "Смирнов;+7 495 333-33-33;;LS-6;40;",  # 7: already in the campaign
    "Волков;+7 423 212-34-56;;LS-7;50;Mars/Olympus",  # 8: no such zone
    "Морозова;+7 914 700-12-34;Приморский край, г. Владивосток;LS-8;60;",  # 9: fine, zone from the address
    "Лебедев;+7 495 444-44-44;;LS-9;70;Asia/Yekaterinburg",  # 10: fine, explicit zone
]


def run(job: ImportJob) -> ImportJob:
    result = imports.run_import(job_id=job.pk)
    assert result is not None
    return result


def upload(supervisor: User, campaign: Campaign, name: str, data: bytes) -> ImportJob:
    return imports.upload_list(actor=supervisor, campaign=campaign, upload=SimpleUploadedFile(name, data))


def test_a_csv_with_bad_rows_reports_every_rejected_row(
    supervisor: User, debt_campaign: Campaign, debt_list: CallList, django_capture_on_commit_callbacks: Capture
) -> None:
    DoNotCall.objects.create(phone="+74952222222", source="callee")
    make_lead(debt_list, "+74953333333")
    data = "\n".join(CSV_ROWS).encode("cp1251")  # Excel's "CSV (разделители — точка с запятой)" on Windows
    job = upload(supervisor, debt_campaign, "должники.csv", data)
    assert job.status == ImportStatus.UPLOADED
    assert job.headers == ["ФИО", "Телефон", "Адрес", "Лицевой счёт", "Сумма долга", "Часовой пояс"]
    assert job.mapping == {
        "phone": "Телефон",
        "name": "ФИО",
        "external_id": "Лицевой счёт",
        "address": "Адрес",
        "time_zone": "Часовой пояс",
    }
    with django_capture_on_commit_callbacks(execute=True):
        job = imports.start_import(actor=supervisor, job=job, mapping=job.mapping, list_name="Март")
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE
    assert (job.total_rows, job.processed_rows, job.imported_rows, job.rejected_rows) == (9, 9, 3, 6)
    reasons = list(job.rejections.values_list("row_number", "reason"))
    assert reasons == [
        (3, RejectReason.INVALID_PHONE),
        (4, RejectReason.MISSING_PHONE),
        (5, RejectReason.DUPLICATE_IN_FILE),
        (6, RejectReason.DNC_GLOBAL),
        (7, RejectReason.DUPLICATE_IN_CAMPAIGN),
        (8, RejectReason.BAD_TIME_ZONE),
    ]
    duplicate = job.rejections.get(row_number=5)
    assert "строке 2" in duplicate.message
    assert duplicate.raw["ФИО"] == "Иванов Иван (дубль)"  # the row as it was, for the report
    leads = {lead.phone: lead for lead in Lead.objects.filter(call_list=job.call_list)}
    assert set(leads) == {"+74951111111", "+79147001234", "+74954444444"}
    ivanov = leads["+74951111111"]
    assert ivanov.name == "Иванов Иван"
    assert ivanov.external_id == "LS-1"
    assert ivanov.debtor_key == "account:LS-1"
    assert ivanov.data == {"Сумма долга": "1500,00"}  # unmapped columns are kept
    assert leads["+79147001234"].zones == "Asia/Vladivostok"
    assert leads["+74954444444"].zones == "Asia/Yekaterinburg"
    event = OutboxEvent.objects.get(name="campaigns.CallListImported")
    assert event.payload["imported"] == 3
    assert event.payload["rejected"] == 6


def test_an_xlsx_list_with_numbers_stored_as_numbers(
    supervisor: User, info_campaign: Campaign, django_capture_on_commit_callbacks: Capture
) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Номер", "Клиент", "Приоритет"])
    sheet.append([74951111111, "ООО Ромашка", 5])  # Excel keeps a phone typed as digits as a number
    sheet.append(["8-495-222-22-22", "ИП Сидоров", "важно"])  # not a number → rejected, not dropped
    sheet.append([None, None, None])  # an empty line is no row
    buffer = io.BytesIO()
    book.save(buffer)
    job = upload(supervisor, info_campaign, "clients.xlsx", buffer.getvalue())
    assert job.source == ListSource.XLSX
    mapping = {"phone": "Номер", "name": "Клиент", "priority": "Приоритет"}
    with django_capture_on_commit_callbacks(execute=True):
        imports.start_import(actor=supervisor, job=job, mapping=mapping)
    job.refresh_from_db()
    assert (job.imported_rows, job.rejected_rows) == (1, 1)
    assert job.rejections.get().reason == RejectReason.INVALID_VALUE
    lead = Lead.objects.get(call_list=job.call_list)
    assert (lead.phone, lead.name, lead.priority) == ("+74951111111", "ООО Ромашка", 5)


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("list.pdf", b"%PDF", "CSV или XLSX"),
        ("list.csv", b"", "ни одной строки"),
        ("list.xlsx", b"not a zip", "XLSX"),
    ],
)
def test_unreadable_files_are_refused_with_a_reason(
    supervisor: User, info_campaign: Campaign, name: str, data: bytes, message: str
) -> None:
    with pytest.raises(ValidationFailed) as refused:
        upload(supervisor, info_campaign, name, data)
    assert message in refused.value.message
    assert refused.value.field == "file"


def test_the_mapping_needs_a_phone_column_that_exists(supervisor: User, info_campaign: Campaign) -> None:
    job = upload(supervisor, info_campaign, "a.csv", "Имя,Мобильный\nА,+74951111111\n".encode())
    with pytest.raises(ValidationFailed) as missing:
        imports.start_import(actor=supervisor, job=job, mapping={"name": "Имя"})
    assert missing.value.field == "mapping.phone"
    with pytest.raises(ValidationFailed) as unknown:
        imports.start_import(actor=supervisor, job=job, mapping={"phone": "Телефон"})
    assert unknown.value.field == "mapping.phone"


def test_only_supervisors_import_and_not_into_a_finished_campaign(
    operator: User, supervisor: User, info_campaign: Campaign
) -> None:
    with pytest.raises(Forbidden):
        upload(operator, info_campaign, "a.csv", b"phone\n+74951111111\n")
    Campaign.objects.filter(pk=info_campaign.pk).update(status="finished")
    info_campaign.refresh_from_db()
    with pytest.raises(Conflict):
        upload(supervisor, info_campaign, "a.csv", b"phone\n+74951111111\n")


def test_running_a_finished_import_again_does_nothing(
    supervisor: User, info_campaign: Campaign, django_capture_on_commit_callbacks: Capture
) -> None:
    job = upload(supervisor, info_campaign, "a.csv", b"phone\n+74951111111\n+74952222222\n")
    with django_capture_on_commit_callbacks(execute=True):
        imports.start_import(actor=supervisor, job=job, mapping={"phone": "phone"})
    run(job)
    assert Lead.objects.count() == 2
    assert ImportJob.objects.get(pk=job.pk).imported_rows == 2


def test_a_segment_of_contacts_by_tag_and_organisation(
    supervisor: User, info_campaign: Campaign, django_capture_on_commit_callbacks: Capture
) -> None:
    vip = TagFactory.create(name="vip")
    org = OrganisationFactory.create()
    tagged = ContactFactory.create(phone=None, time_zone="Asia/Novosibirsk")
    tagged.tags.add(vip)
    ContactPhoneFactory.create(contact=tagged, e164="+74951111111", is_primary=False)
    ContactPhoneFactory.create(contact=tagged, e164="+74952222222", is_primary=True)
    employee = ContactFactory.create(phone=None, organisation=org)
    ContactPhoneFactory.create(contact=employee, e164="+74953333333", is_primary=True)
    no_phone = ContactFactory.create(phone=None)
    no_phone.tags.add(vip)
    both = ContactFactory.create(phone=None, organisation=org)
    both.tags.add(vip)
    ContactPhoneFactory.create(contact=both, e164="+74954444444", is_primary=True)
    erased = ContactFactory.create(phone=None, erased_at="2026-01-01T00:00:00+03:00")
    erased.tags.add(vip)
    other = ContactFactory.create()  # neither tag nor organisation
    assert other.pk
    with django_capture_on_commit_callbacks(execute=True):
        job = imports.build_segment_list(
            actor=supervisor, campaign=info_campaign, name="VIP", tag_ids=[vip.pk], organisation_ids=[org.pk]
        )
    job.refresh_from_db()
    assert (job.total_rows, job.imported_rows, job.rejected_rows) == (4, 3, 1)
    assert job.rejections.get().reason == RejectReason.MISSING_PHONE
    leads = {lead.contact_id: lead for lead in Lead.objects.filter(call_list=job.call_list)}
    assert leads[tagged.pk].phone == "+74952222222"  # the primary number
    assert leads[tagged.pk].zones == "Asia/Novosibirsk"  # the contact's own zone
    assert leads[tagged.pk].debtor_key == f"contact:{tagged.pk}"
    assert set(leads) == {tagged.pk, employee.pk, both.pk}


def test_a_segment_needs_a_criterion(supervisor: User, info_campaign: Campaign) -> None:
    with pytest.raises(ValidationFailed):
        imports.build_segment_list(actor=supervisor, campaign=info_campaign, name="")


def test_an_imported_number_of_a_known_contact_is_linked(
    supervisor: User, info_campaign: Campaign, django_capture_on_commit_callbacks: Capture
) -> None:
    contact = ContactFactory.create(phone=None)
    ContactPhoneFactory.create(contact=contact, e164="+74951111111", is_primary=True)
    shared_a = ContactFactory.create(phone=None)
    shared_b = ContactFactory.create(phone=None)
    for person in (shared_a, shared_b):
        ContactPhoneFactory.create(contact=person, e164="+74952222222", is_primary=True)
    job = upload(supervisor, info_campaign, "a.csv", b"phone\n+74951111111\n+74952222222\n")
    with django_capture_on_commit_callbacks(execute=True):
        imports.start_import(actor=supervisor, job=job, mapping={"phone": "phone"})
    links = dict(Lead.objects.values_list("phone", "contact_id"))
    assert links == {"+74951111111": contact.pk, "+74952222222": None}  # a shared number links to nobody
