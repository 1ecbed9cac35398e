"""Call lists: a CSV/XLSX file (upload, map columns, import with progress) or a segment of contacts.

Every source row either becomes a lead or an ``ImportRejection`` with its reason; ``imported + rejected`` always
equals the rows read, so nothing is dropped silently. Rows are written in chunks, each its own transaction, so
the progress bar moves and a crash loses at most one chunk (a rerun skips the rows already done).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hotline.campaigns.choices import CampaignStatus, ImportStatus, ListSource, RejectReason
from hotline.campaigns.events import CallListImported
from hotline.campaigns.importing import MAX_BYTES, guess_mapping, read_table, validate_mapping
from hotline.campaigns.models import CallList, Campaign, ImportJob, ImportRejection, Lead
from hotline.campaigns.rules.zones import is_valid_zone, pack, resolve_zones
from hotline.campaigns.services.common import actor_id, clean_text, require_manager
from hotline.campaigns.services.dnc import blocked_numbers
from hotline.core import audit
from hotline.core.contact_points import parse_phone
from hotline.core.errors import Conflict, ValidationFailed
from hotline.core.events import publish
from hotline.core.models import AuditLog, User
from hotline.customers.models import ConsentRecord, Contact, ContactPhone, Organisation, Tag
from hotline.customers.selectors import latest_advertising_consents

logger = logging.getLogger(__name__)
CHUNK = 500
SAMPLE_ROWS = 5
_LIMITS = {"name": 320, "external_id": 64, "address": 500, "time_zone": 64}


def debtor_key(*, contact_id: int | None, external_id: str, phone: str) -> str:
    """Who a debtor is across campaigns: the contact, else the account number, else the number."""
    if contact_id is not None:
        return f"contact:{contact_id}"
    if external_id:
        return f"account:{external_id}"[:100]
    return f"phone:{phone}"


def _ensure_open(campaign: Campaign) -> None:
    if campaign.status == CampaignStatus.FINISHED:
        raise Conflict(_("Кампания завершена: новые списки не загружаются"))


@transaction.atomic
def upload_list(*, actor: User | None, campaign: Campaign, upload: UploadedFile[bytes]) -> ImportJob:
    """Store a CSV/XLSX file and read its columns, for the supervisor to map them.

    Raises:
        Forbidden, Conflict (finished campaign), ValidationFailed (field="file": format, size, no rows).
    """
    require_manager(actor)
    _ensure_open(campaign)
    if upload.size is not None and upload.size > MAX_BYTES:
        raise ValidationFailed(_("Файл больше 20 МБ: разбейте список на части"), field="file")
    data = upload.read()
    name = (upload.name or "list.csv").rsplit("/", 1)[-1][:200]
    table = read_table(data, file_name=name)
    job = ImportJob(
        campaign=campaign,
        source=ListSource.XLSX if name.lower().endswith(".xlsx") else ListSource.CSV,
        original_name=name,
        headers=table.headers,
        sample=table.rows[:SAMPLE_ROWS],
        mapping=guess_mapping(table.headers),
        total_rows=len(table.rows),
        created_by=actor,
    )
    job.file.save(name, ContentFile(data), save=False)
    job.save()
    audit.record(actor=actor, action=AuditLog.Action.CREATE, obj=job, summary=f"{campaign.code}: {name}")
    return job


@transaction.atomic
def start_import(*, actor: User | None, job: ImportJob, mapping: dict[str, str], list_name: str = "") -> ImportJob:
    """Confirm the column mapping, create the list, and queue the import.

    Raises:
        Forbidden, Conflict (already started, finished campaign), ValidationFailed (field="mapping.<field>").
    """
    require_manager(actor)
    job = ImportJob.objects.select_for_update(of=("self",)).select_related("campaign").get(pk=job.pk)
    _ensure_open(job.campaign)
    if job.status != ImportStatus.UPLOADED:
        raise Conflict(_("Этот файл уже загружается или загружен"))
    job.mapping = validate_mapping(mapping, job.headers)
    name = clean_text(list_name, field="list_name", max_length=160, label=_("Название списка")) or job.original_name
    job.call_list = CallList.objects.create(campaign=job.campaign, name=name, source=job.source, created_by=actor)
    job.status = ImportStatus.QUEUED
    job.save(update_fields=["mapping", "call_list", "status"])
    _enqueue(job)
    return job


@transaction.atomic
def build_segment_list(
    *,
    actor: User | None,
    campaign: Campaign,
    name: str,
    tag_ids: Sequence[int] = (),
    organisation_ids: Sequence[int] = (),
) -> ImportJob:
    """A call list of the active contacts with any of the tags and/or in any of the organisations.

    Raises:
        Forbidden, Conflict (finished campaign), ValidationFailed (no criterion, unknown tag or organisation).
    """
    require_manager(actor)
    _ensure_open(campaign)
    tags = list(Tag.objects.filter(pk__in=list(tag_ids)))
    organisations = list(Organisation.objects.filter(pk__in=list(organisation_ids)))
    if len(tags) != len(set(tag_ids)):
        raise ValidationFailed(_("Метка не найдена"), field="tag_ids")
    if len(organisations) != len(set(organisation_ids)):
        raise ValidationFailed(_("Организация не найдена"), field="organisation_ids")
    if not tags and not organisations:
        raise ValidationFailed(_("Выберите метки или организации"), field="tag_ids")
    title = (
        clean_text(name, field="name", max_length=160, label=_("Название списка"))
        or ", ".join([t.name for t in tags] + [o.name for o in organisations])[:160]
    )
    segment = {"tags": [t.pk for t in tags], "organisations": [o.pk for o in organisations]}
    call_list = CallList.objects.create(
        campaign=campaign, name=title, source=ListSource.SEGMENT, segment=segment, created_by=actor
    )
    job = ImportJob.objects.create(
        campaign=campaign,
        call_list=call_list,
        source=ListSource.SEGMENT,
        original_name=title,
        status=ImportStatus.QUEUED,
        total_rows=_segment_contacts(segment).count(),
        created_by=actor,
    )
    _enqueue(job)
    return job


def _enqueue(job: ImportJob) -> None:
    from hotline.campaigns.tasks import run_import_task
    from hotline.celery import enqueue_on_commit

    enqueue_on_commit(run_import_task, job.pk)


def _segment_contacts(segment: dict[str, Any]) -> Any:
    from django.db.models import Q

    condition = Q()
    if segment.get("tags"):
        condition |= Q(tags__in=segment["tags"])
    if segment.get("organisations"):
        condition |= Q(organisation__in=segment["organisations"])
    return Contact.objects.filter(condition, merged_into__isnull=True, erased_at__isnull=True).distinct().order_by("pk")


@dataclass
class _Row:
    number: int
    raw: dict[str, str]
    values: dict[str, str]
    extra: dict[str, str]
    contact_id: int | None = None


def _file_rows(job: ImportJob) -> Iterator[_Row]:
    with job.file.open("rb") as handle:
        data = handle.read()
    table = read_table(data, file_name=job.original_name)
    mapped = {header: field for field, header in job.mapping.items()}
    for index, row in enumerate(table.rows, start=2):  # row 1 is the header, as the spreadsheet numbers it
        raw = dict(zip(table.headers, row, strict=True))
        values = {mapped[h]: v for h, v in raw.items() if h in mapped}
        extra = {h: v for h, v in raw.items() if h not in mapped and v}
        yield _Row(number=index, raw=raw, values=values, extra=extra)


def _segment_rows(job: ImportJob) -> Iterator[_Row]:
    assert job.call_list is not None
    contacts = _segment_contacts(job.call_list.segment).prefetch_related("phones")
    for index, contact in enumerate(contacts.iterator(chunk_size=CHUNK), start=1):
        phones = sorted(contact.phones.all(), key=lambda p: (not p.is_primary, p.failing, p.pk))
        usable = [p for p in phones if not p.failing]
        phone = (usable or phones)[0].e164 if phones else ""
        raw = {"contact_id": str(contact.pk), "name": contact.full_name, "phone": phone}
        yield _Row(
            number=index,
            raw=raw,
            values={"phone": phone, "name": contact.full_name, "time_zone": contact.time_zone},
            extra={},
            contact_id=contact.pk,
        )


def _chunks(rows: Iterator[_Row]) -> Iterator[list[_Row]]:
    chunk: list[_Row] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _reject(job: ImportJob, row: _Row, reason: str, message: str) -> ImportRejection:
    return ImportRejection(job=job, row_number=row.number, reason=reason, message=message[:255], raw=row.raw)


def _no_ad_consent(contact_id: int | None, consents: dict[int, ConsentRecord]) -> str:
    """Why an advertising campaign may not call this row (38-ФЗ art. 18); "" — it may."""
    if contact_id is None:
        return _("Номер не связан с клиентом, давшим согласие на рекламу")
    record = consents.get(contact_id)
    if record is None:
        return _("Клиент не давал согласия на рекламу")
    if not record.is_granted:
        return _("Клиент отозвал согласие на рекламу")
    return ""


def _process_chunk(
    job: ImportJob, campaign: Campaign, call_list: CallList, rows: list[_Row], seen: dict[str, int]
) -> None:
    leads: list[Lead] = []
    rejections: list[ImportRejection] = []
    parsed: list[tuple[_Row, str]] = []
    for row in rows:
        text = (row.values.get("phone") or "").strip()
        if not text:
            rejections.append(_reject(job, row, RejectReason.MISSING_PHONE, _("Пустой номер телефона")))
            continue
        try:
            phone = parse_phone(text).e164
        except ValidationFailed as exc:
            rejections.append(_reject(job, row, RejectReason.INVALID_PHONE, exc.message))
            continue
        if phone in seen:
            rejections.append(
                _reject(
                    job, row, RejectReason.DUPLICATE_IN_FILE, _("Номер уже был в строке %(n)d") % {"n": seen[phone]}
                )
            )
            continue
        seen[phone] = row.number
        parsed.append((row, phone))
    phones = [phone for _row, phone in parsed]
    existing = set(Lead.objects.filter(campaign=campaign, phone__in=phones).values_list("phone", flat=True))
    blocked = blocked_numbers(phones, campaign)
    owners: dict[str, set[int]] = {}
    for e164, owner_id in ContactPhone.objects.filter(
        e164__in=phones, contact__merged_into__isnull=True, contact__erased_at__isnull=True
    ).values_list("e164", "contact_id"):
        owners.setdefault(e164, set()).add(owner_id)
    contact_zones = dict(
        Contact.objects.filter(pk__in={c for ids in owners.values() for c in ids}).values_list("pk", "time_zone")
    )
    ad_consents = (
        latest_advertising_consents(
            {c for ids in owners.values() for c in ids} | {row.contact_id for row, _p in parsed if row.contact_id}
        )
        if campaign.is_advertising
        else {}
    )
    for row, phone in parsed:
        if phone in existing:
            rejections.append(
                _reject(
                    job, row, RejectReason.DUPLICATE_IN_CAMPAIGN, _("Номер %(p)s уже есть в кампании") % {"p": phone}
                )
            )
            continue
        if phone in blocked:
            reason = RejectReason.DNC_GLOBAL if blocked[phone] == "global" else RejectReason.DNC_CAMPAIGN
            rejections.append(_reject(job, row, reason, str(RejectReason(reason).label)))
            continue
        values = {k: " ".join(v.split()) for k, v in row.values.items()}
        too_long = next((k for k, limit in _LIMITS.items() if len(values.get(k, "")) > limit), None)
        if too_long is not None:
            rejections.append(
                _reject(
                    job, row, RejectReason.INVALID_VALUE, _("Слишком длинное значение в поле «%(f)s»") % {"f": too_long}
                )
            )
            continue
        zone = values.get("time_zone", "")
        if zone and not is_valid_zone(zone):
            rejections.append(
                _reject(job, row, RejectReason.BAD_TIME_ZONE, _("Неизвестный часовой пояс «%(z)s»") % {"z": zone})
            )
            continue
        priority_text = values.get("priority", "")
        try:
            priority = int(priority_text) if priority_text else 0
        except ValueError:
            rejections.append(_reject(job, row, RejectReason.INVALID_VALUE, _("Приоритет должен быть целым числом")))
            continue
        if not -1000 <= priority <= 1000:
            rejections.append(_reject(job, row, RejectReason.INVALID_VALUE, _("Приоритет — от −1000 до 1000")))
            continue
        contact_id = row.contact_id
        if contact_id is None and len(owners.get(phone, ())) == 1:
            contact_id = next(iter(owners[phone]))  # a number shared by several people links to nobody
        if campaign.is_advertising:
            refusal = _no_ad_consent(contact_id, ad_consents)
            if refusal:
                rejections.append(_reject(job, row, RejectReason.NO_AD_CONSENT, refusal))
                continue
        explicit = zone or (contact_zones.get(contact_id, "") if contact_id else "")
        resolution = resolve_zones(explicit=explicit, number=phone, address=values.get("address", ""))
        external_id = values.get("external_id", "")
        leads.append(
            Lead(
                campaign=campaign,
                call_list=call_list,
                contact_id=contact_id,
                phone=phone,
                name=values.get("name", ""),
                external_id=external_id,
                address=values.get("address", ""),
                time_zone=zone,
                zones=pack(resolution.zones),
                zone_source=resolution.source,
                debtor_key=debtor_key(contact_id=contact_id, external_id=external_id, phone=phone),
                data=row.extra,
                priority=priority,
            )
        )
    with transaction.atomic():
        Lead.objects.bulk_create(leads, batch_size=CHUNK)
        ImportRejection.objects.bulk_create(rejections, batch_size=CHUNK)
        ImportJob.objects.filter(pk=job.pk).update(
            processed_rows=job.processed_rows + len(rows),
            imported_rows=job.imported_rows + len(leads),
            rejected_rows=job.rejected_rows + len(rejections),
        )
    job.processed_rows += len(rows)
    job.imported_rows += len(leads)
    job.rejected_rows += len(rejections)


def run_import(*, job_id: int) -> ImportJob | None:
    """Import a queued job chunk by chunk; safe to run twice (a done job is left alone)."""
    with transaction.atomic():
        job = (
            ImportJob.objects.select_for_update(of=("self",))
            .select_related("campaign", "call_list", "created_by")
            .filter(pk=job_id)
            .first()
        )
        if job is None or job.status not in (ImportStatus.QUEUED, ImportStatus.RUNNING) or job.call_list is None:
            return job
        job.status = ImportStatus.RUNNING
        job.started_at = job.started_at or timezone.now()
        job.save(update_fields=["status", "started_at"])
    campaign, call_list = job.campaign, job.call_list
    assert call_list is not None
    # A rerun after a crash: rows up to processed_rows are done; phones already loaded count as seen.
    done = job.processed_rows
    seen: dict[str, int] = {}
    try:
        rows = _segment_rows(job) if job.source == ListSource.SEGMENT else _file_rows(job)
        if job.source != ListSource.SEGMENT:
            rows = (row for row in rows if row.number - 1 > done)
        else:
            rows = (row for row in rows if row.number > done)
        if done:
            for (phone,) in Lead.objects.filter(call_list=call_list).values_list("phone"):
                seen[phone] = 0
        for chunk in _chunks(rows):
            _process_chunk(job, campaign, call_list, chunk, seen)
    except ValidationFailed as exc:
        ImportJob.objects.filter(pk=job.pk).update(
            status=ImportStatus.FAILED, error=exc.message, finished_at=timezone.now()
        )
        job.refresh_from_db()
        return job
    with transaction.atomic():
        job.status = ImportStatus.DONE
        job.finished_at = timezone.now()
        job.total_rows = max(job.total_rows, job.processed_rows)
        job.save(update_fields=["status", "finished_at", "total_rows"])
        audit.record(
            actor=job.created_by,
            action=AuditLog.Action.CREATE,
            obj=call_list,
            summary=f"{campaign.code}: {call_list.name} +{job.imported_rows} −{job.rejected_rows}",
        )
        publish(
            CallListImported(
                actor_id=actor_id(job.created_by),
                campaign_id=campaign.pk,
                call_list_id=call_list.pk,
                job_id=job.pk,
                imported=job.imported_rows,
                rejected=job.rejected_rows,
            )
        )
    return job


@transaction.atomic
def set_list_active(*, actor: User | None, call_list: CallList, active: bool) -> CallList:
    """Switch a list on or off: leads of an inactive list are not dialled.

    Raises:
        Forbidden.
    """
    require_manager(actor)
    if call_list.is_active != active:
        call_list.is_active = active
        call_list.save(update_fields=["is_active"])
        audit.record(
            actor=actor,
            action=AuditLog.Action.UPDATE,
            obj=call_list,
            summary=f"{call_list.name}: {'on' if active else 'off'}",
            changes={"is_active": [not active, active]},
        )
    return call_list
