"""Every eligibility rule, under frozen time, in several time zones.

The server runs on Moscow time; callees are in Vladivostok (MSK+7), Novosibirsk (MSK+4), Kaliningrad (MSK−1)
or somewhere unknown (the safe window: what is allowed in every Russian zone at once).
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from hotline.campaigns.choices import AttemptState, CallbackStatus, CampaignStatus, LeadStatus, Rule
from hotline.campaigns.eligibility import check_lead
from hotline.campaigns.models import Attempt, Callback, CallList, Campaign, DoNotCall, Lead
from hotline.campaigns.rules.zones import RUSSIAN_ZONES
from hotline.campaigns.tests.factories import CallListFactory, CampaignFactory, make_lead
from hotline.core.models import User
from hotline.customers.tests.factories import ContactFactory

MSK = ZoneInfo("Europe/Moscow")
VLADIVOSTOK_LANDLINE = "+74232123456"  # 423: Primorye, MSK+7
NOVOSIBIRSK_LANDLINE = "+73832123456"  # 383: MSK+4
MOSCOW_LANDLINE = "+74951234567"
KALININGRAD_LANDLINE = "+74012123456"  # 4012: MSK−1, no summer time
MOBILE = "+79161234567"  # a mobile range tells no region


def msk(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=MSK)


def rules_at(lead: Lead, moment: datetime, **kwargs: object) -> list[str]:
    with time_machine.travel(moment, tick=False):
        fresh = Lead.objects.select_related("campaign", "call_list", "contact", "last_disposition").get(pk=lead.pk)
        return check_lead(fresh, **kwargs).rules  # type: ignore[arg-type]


@pytest.fixture
def legal_debt(debt_campaign: Campaign) -> Campaign:
    """The widest hours 230-ФЗ allows: 08–22 on working days, 09–20 on days off."""
    debt_campaign.workday_start, debt_campaign.workday_end = time(8), time(22)
    debt_campaign.dayoff_start, debt_campaign.dayoff_end = time(9), time(20)
    debt_campaign.max_attempts = 20
    debt_campaign.save()
    return debt_campaign


# --- the lead's own state ------------------------------------------------------------------------------------
def test_a_fresh_lead_in_a_running_campaign_is_eligible_inside_the_window(info_list: CallList) -> None:
    lead = make_lead(info_list, MOSCOW_LANDLINE)
    assert rules_at(lead, msk(2026, 3, 2, 12, 0)) == []


def test_a_campaign_that_is_not_running_holds_every_lead(info_campaign: Campaign, info_list: CallList) -> None:
    lead = make_lead(info_list, MOSCOW_LANDLINE)
    for status in (CampaignStatus.DRAFT, CampaignStatus.PAUSED, CampaignStatus.FINISHED):
        Campaign.objects.filter(pk=info_campaign.pk).update(status=status)
        assert rules_at(lead, msk(2026, 3, 2, 12, 0)) == [Rule.CAMPAIGN_NOT_RUNNING]


def test_an_inactive_list_holds_its_leads(info_list: CallList) -> None:
    lead = make_lead(info_list, MOSCOW_LANDLINE)
    CallList.objects.filter(pk=info_list.pk).update(is_active=False)
    assert rules_at(lead, msk(2026, 3, 2, 12, 0)) == [Rule.LIST_INACTIVE]


@pytest.mark.parametrize(
    "status",
    [
        LeadStatus.DONE,
        LeadStatus.REFUSED,
        LeadStatus.UNWORKABLE,
        LeadStatus.DNC,
        LeadStatus.EXHAUSTED,
        LeadStatus.STOPPED,
    ],
)
def test_a_final_status_allows_no_redial(info_list: CallList, status: str) -> None:
    lead = make_lead(info_list, MOSCOW_LANDLINE, status=status)
    assert rules_at(lead, msk(2026, 3, 2, 12, 0)) == [Rule.STATUS]


def test_a_lead_reserved_by_one_agent_is_not_dialable_by_another(
    info_list: CallList, operator: User, other_operator: User
) -> None:
    lead = make_lead(info_list, MOSCOW_LANDLINE, status=LeadStatus.IN_PROGRESS, agent=operator)
    assert rules_at(lead, msk(2026, 3, 2, 12, 0), agent=other_operator) == [Rule.STATUS]
    assert rules_at(lead, msk(2026, 3, 2, 12, 0), agent=operator) == []


def test_attempts_must_stay_below_the_maximum(info_campaign: Campaign, info_list: CallList) -> None:
    lead = make_lead(info_list, MOSCOW_LANDLINE, status=LeadStatus.RETRY, attempts=info_campaign.max_attempts)
    assert rules_at(lead, msk(2026, 3, 2, 12, 0)) == [Rule.MAX_ATTEMPTS]
    Lead.objects.filter(pk=lead.pk).update(attempts=info_campaign.max_attempts - 1)
    assert rules_at(lead, msk(2026, 3, 2, 12, 0)) == []


def test_the_retry_interval_of_the_last_disposition_must_pass(info_campaign: Campaign, info_list: CallList) -> None:
    busy = info_campaign.dispositions.get(code="busy")
    lead = make_lead(
        info_list,
        MOSCOW_LANDLINE,
        status=LeadStatus.RETRY,
        attempts=1,
        last_disposition=busy,
        retry_at=msk(2026, 3, 2, 12, 30),
    )
    with time_machine.travel(msk(2026, 3, 2, 12, 0), tick=False):
        verdict = check_lead(
            Lead.objects.select_related("campaign", "call_list", "contact", "last_disposition").get(pk=lead.pk)
        )
    assert verdict.rules == [Rule.RETRY_INTERVAL]
    assert "Занято" in verdict.refusals[0].message
    assert verdict.held_until() == msk(2026, 3, 2, 12, 30)
    assert rules_at(lead, msk(2026, 3, 2, 12, 30)) == []


# --- callbacks -----------------------------------------------------------------------------------------------
def test_a_callback_waits_for_its_time_and_then_for_its_agent(
    info_campaign: Campaign, info_list: CallList, operator: User, other_operator: User
) -> None:
    lead = make_lead(info_list, MOSCOW_LANDLINE, status=LeadStatus.CALLBACK, attempts=1)
    Callback.objects.create(lead=lead, agent=operator, due_at=msk(2026, 3, 2, 15, 0))
    assert rules_at(lead, msk(2026, 3, 2, 14, 59), agent=operator) == [Rule.CALLBACK]
    assert rules_at(lead, msk(2026, 3, 2, 15, 0), agent=operator) == []
    # Promised to op1: op2 may take it only after the campaign's grace time (60 minutes).
    assert rules_at(lead, msk(2026, 3, 2, 15, 30), agent=other_operator) == [Rule.CALLBACK]
    assert rules_at(lead, msk(2026, 3, 2, 16, 0), agent=other_operator) == []
    Campaign.objects.filter(pk=info_campaign.pk).update(callback_grace_minutes=0)
    assert rules_at(lead, msk(2026, 3, 2, 18, 0), agent=other_operator) == [Rule.CALLBACK]


def test_a_done_callback_no_longer_holds_the_lead(info_list: CallList, operator: User, other_operator: User) -> None:
    lead = make_lead(info_list, MOSCOW_LANDLINE, status=LeadStatus.RETRY, attempts=1)
    Callback.objects.create(lead=lead, agent=operator, due_at=msk(2026, 3, 2, 15, 0), status=CallbackStatus.DONE)
    assert rules_at(lead, msk(2026, 3, 2, 12, 0), agent=other_operator) == []


# --- do-not-call and consent ----------------------------------------------------------------------------------
def test_the_global_do_not_call_list_holds_the_number_in_every_campaign(
    info_list: CallList, debt_list: CallList
) -> None:
    lead = make_lead(info_list, MOSCOW_LANDLINE)
    other = make_lead(debt_list, MOSCOW_LANDLINE)
    DoNotCall.objects.create(phone=MOSCOW_LANDLINE, source="callee")
    assert rules_at(lead, msk(2026, 3, 2, 12, 0)) == [Rule.DNC_GLOBAL]
    assert rules_at(other, msk(2026, 3, 2, 12, 0)) == [Rule.DNC_GLOBAL]


def test_a_campaign_do_not_call_entry_holds_the_number_only_there(
    info_campaign: Campaign, info_list: CallList, debt_list: CallList
) -> None:
    lead = make_lead(info_list, MOSCOW_LANDLINE)
    other = make_lead(debt_list, MOSCOW_LANDLINE)
    DoNotCall.objects.create(phone=MOSCOW_LANDLINE, campaign=info_campaign, source="supervisor")
    assert rules_at(lead, msk(2026, 3, 2, 12, 0)) == [Rule.DNC_CAMPAIGN]
    assert rules_at(other, msk(2026, 3, 2, 12, 0)) == []


def test_a_contact_who_withdrew_consent_is_not_called(info_list: CallList) -> None:
    contact = ContactFactory.create(
        pd_consent_at=msk(2026, 1, 1, 10, 0), pd_consent_withdrawn_at=msk(2026, 2, 1, 10, 0)
    )
    lead = make_lead(info_list, MOSCOW_LANDLINE, contact=contact)
    assert rules_at(lead, msk(2026, 3, 2, 12, 0)) == [Rule.OPTED_OUT]


# --- the callee's local calling window ------------------------------------------------------------------------
def test_a_debtor_in_vladivostok_called_from_moscow(legal_debt: Campaign, debt_list: CallList) -> None:
    lead = make_lead(debt_list, VLADIVOSTOK_LANDLINE)
    assert lead.zones == "Asia/Vladivostok"
    # Monday 2 March: 09:00 in Moscow is 16:00 in Vladivostok — fine.
    assert rules_at(lead, msk(2026, 3, 2, 9, 0)) == []
    # 14:59 Moscow is 21:59 there: the last minute of a working day.
    assert rules_at(lead, msk(2026, 3, 2, 14, 59)) == []
    # 15:00 Moscow is 22:00 in Vladivostok: too late, although the Moscow office is in the middle of its day.
    with time_machine.travel(msk(2026, 3, 2, 15, 0), tick=False):
        verdict = check_lead(Lead.objects.select_related("campaign", "call_list", "contact").get(pk=lead.pk))
    assert verdict.rules == [Rule.CALLING_WINDOW]
    assert "Asia/Vladivostok" in verdict.refusals[0].message
    # It opens at 08:00 Vladivostok on Tuesday, which is 01:00 in Moscow.
    assert verdict.refusals[0].until == msk(2026, 3, 3, 1, 0)
    assert rules_at(lead, msk(2026, 3, 3, 0, 59)) == [Rule.CALLING_WINDOW]
    assert rules_at(lead, msk(2026, 3, 3, 1, 0)) == []


def test_weekends_and_holidays_allow_debt_calls_only_from_nine_to_eight(
    legal_debt: Campaign, debt_list: CallList
) -> None:
    lead = make_lead(debt_list, VLADIVOSTOK_LANDLINE)
    # Saturday 7 March 2026, Vladivostok time = Moscow + 7 h.
    assert rules_at(lead, msk(2026, 3, 7, 1, 30)) == [Rule.CALLING_WINDOW]  # 08:30 there
    assert rules_at(lead, msk(2026, 3, 7, 2, 0)) == []  # 09:00
    assert rules_at(lead, msk(2026, 3, 7, 12, 59)) == []  # 19:59
    assert rules_at(lead, msk(2026, 3, 7, 13, 0)) == [Rule.CALLING_WINDOW]  # 20:00
    # Monday 9 March 2026 is a public holiday (8 March moved): weekend hours on a Monday.
    assert rules_at(lead, msk(2026, 3, 9, 1, 30)) == [Rule.CALLING_WINDOW]  # 08:30 on a holiday
    assert rules_at(lead, msk(2026, 3, 10, 1, 30)) == []  # 08:30 on Tuesday, a working day


def test_a_debt_campaign_cannot_widen_the_legal_hours(debt_campaign: Campaign, debt_list: CallList) -> None:
    # Saved around the service (an old row): 07:00–23:00 is still cut to 08:00–22:00.
    Campaign.objects.filter(pk=debt_campaign.pk).update(workday_start=time(7), workday_end=time(23))
    lead = make_lead(debt_list, MOSCOW_LANDLINE)
    assert rules_at(lead, msk(2026, 3, 2, 7, 30)) == [Rule.CALLING_WINDOW]
    assert rules_at(lead, msk(2026, 3, 2, 22, 30)) == [Rule.CALLING_WINDOW]


def test_an_information_campaign_uses_its_own_hours_in_local_time(info_list: CallList) -> None:
    lead = make_lead(info_list, NOVOSIBIRSK_LANDLINE)  # campaign hours: 09–21 working days, 10–19 days off
    assert rules_at(lead, msk(2026, 3, 2, 4, 59)) == [Rule.CALLING_WINDOW]  # 08:59 in Novosibirsk
    assert rules_at(lead, msk(2026, 3, 2, 5, 0)) == []
    assert rules_at(lead, msk(2026, 3, 2, 17, 0)) == [Rule.CALLING_WINDOW]  # 21:00 there


def test_kaliningrad_is_an_hour_behind_moscow_all_year(info_list: CallList) -> None:
    lead = make_lead(info_list, KALININGRAD_LANDLINE)
    assert lead.zones == "Europe/Kaliningrad"
    # July (when Bucharest, which libphonenumber confuses it with, is on summer time): 21:30 Moscow is 20:30 there.
    assert rules_at(lead, msk(2026, 7, 1, 21, 30)) == []
    assert rules_at(lead, msk(2026, 7, 1, 22, 0)) == [Rule.CALLING_WINDOW]


def test_an_unknown_zone_gets_the_safe_window(legal_debt: Campaign, debt_list: CallList) -> None:
    lead = make_lead(debt_list, MOBILE)
    assert lead.zones.split(",") == list(RUSSIAN_ZONES)
    # Working day: 08:00 in Kamchatka (MSK+9) is 23:00 Moscow the day before; 22:00 in Kaliningrad is 23:00 Moscow.
    # Allowed everywhere at once: 09:00–13:00 Moscow.
    assert rules_at(lead, msk(2026, 3, 2, 8, 59)) == [Rule.CALLING_WINDOW]
    assert rules_at(lead, msk(2026, 3, 2, 9, 0)) == []
    assert rules_at(lead, msk(2026, 3, 2, 12, 59)) == []
    assert rules_at(lead, msk(2026, 3, 2, 13, 0)) == [Rule.CALLING_WINDOW]
    # Saturday: 09:00 Kaliningrad is 10:00 Moscow; 20:00 Kamchatka is 11:00 Moscow.
    assert rules_at(lead, msk(2026, 3, 7, 10, 30)) == []
    assert rules_at(lead, msk(2026, 3, 7, 11, 0)) == [Rule.CALLING_WINDOW]


def test_a_mobile_with_an_address_uses_the_address_zone(legal_debt: Campaign, debt_list: CallList) -> None:
    lead = make_lead(debt_list, MOBILE, address="690091, Приморский край, г. Владивосток, ул. Светланская, 1")
    assert lead.zones == "Asia/Vladivostok"
    assert rules_at(lead, msk(2026, 3, 2, 1, 0)) == []  # 08:00 in Vladivostok, long before Moscow wakes up


def test_an_explicit_time_zone_wins(info_list: CallList) -> None:
    lead = make_lead(info_list, MOSCOW_LANDLINE, time_zone="Asia/Yekaterinburg")
    assert rules_at(lead, msk(2026, 3, 2, 19, 30)) == [Rule.CALLING_WINDOW]  # 21:30 in Yekaterinburg


def test_a_number_and_an_address_in_different_zones_get_both_windows(legal_debt: Campaign, debt_list: CallList) -> None:
    lead = make_lead(debt_list, MOSCOW_LANDLINE, address="г. Владивосток, ул. Алеутская, 5")
    assert set(lead.zones.split(",")) == {"Europe/Moscow", "Asia/Vladivostok"}
    assert rules_at(lead, msk(2026, 3, 2, 7, 30)) == [Rule.CALLING_WINDOW]  # fine in Vladivostok, not in Moscow
    assert rules_at(lead, msk(2026, 3, 2, 15, 30)) == [Rule.CALLING_WINDOW]  # fine in Moscow, not in Vladivostok
    assert rules_at(lead, msk(2026, 3, 2, 10, 0)) == []


# --- every refusal at once --------------------------------------------------------------------------------------
def test_all_refusals_are_reported_together(info_campaign: Campaign, info_list: CallList) -> None:
    lead = make_lead(info_list, MOSCOW_LANDLINE, status=LeadStatus.RETRY, attempts=3, retry_at=msk(2026, 3, 3, 0, 0))
    DoNotCall.objects.create(phone=MOSCOW_LANDLINE, source="callee")
    Campaign.objects.filter(pk=info_campaign.pk).update(status=CampaignStatus.PAUSED)
    assert rules_at(lead, msk(2026, 3, 2, 23, 0)) == [
        Rule.CAMPAIGN_NOT_RUNNING,
        Rule.MAX_ATTEMPTS,
        Rule.RETRY_INTERVAL,
        Rule.DNC_GLOBAL,
        Rule.CALLING_WINDOW,
    ]


# --- 230-ФЗ counters -------------------------------------------------------------------------------------------
def connected_call(lead: Lead, at: datetime, *, connected: bool = True, state: str = AttemptState.ENDED) -> Attempt:
    return Attempt.objects.create(
        lead=lead,
        campaign=lead.campaign,
        debtor_key=lead.debtor_key,
        mode="preview",
        state=state,
        connected=connected,
        phone=lead.phone,
        started_at=at,
    )


def test_one_conversation_a_day_in_the_debtors_local_day(legal_debt: Campaign, debt_list: CallList) -> None:
    lead = make_lead(debt_list, VLADIVOSTOK_LANDLINE)
    # Monday 21:30 in Vladivostok (11:30 UTC).
    connected_call(lead, msk(2026, 3, 2, 14, 30))
    with time_machine.travel(msk(2026, 3, 2, 14, 45), tick=False):
        verdict = check_lead(Lead.objects.select_related("campaign", "call_list", "contact").get(pk=lead.pk))
    assert verdict.rules == [Rule.DEBT_DAY]
    assert "1 из 1" in verdict.refusals[0].message
    # Tuesday 08:30 in Vladivostok is still Monday in UTC (22:30) and 01:30 in Moscow: a new day where the debtor is.
    assert rules_at(lead, msk(2026, 3, 3, 1, 30)) == []


def test_unanswered_calls_do_not_count_but_calls_in_progress_do(legal_debt: Campaign, debt_list: CallList) -> None:
    lead = make_lead(debt_list, MOSCOW_LANDLINE)
    connected_call(lead, msk(2026, 3, 2, 10, 0), connected=False)
    connected_call(lead, msk(2026, 3, 2, 11, 0), connected=False)
    assert rules_at(lead, msk(2026, 3, 2, 12, 0)) == []
    connected_call(lead, msk(2026, 3, 2, 12, 0), connected=False, state=AttemptState.TALKING)
    assert rules_at(lead, msk(2026, 3, 2, 12, 5)) == [Rule.DEBT_DAY]


def test_two_conversations_a_week_from_monday_to_sunday(legal_debt: Campaign, debt_list: CallList) -> None:
    lead = make_lead(debt_list, MOSCOW_LANDLINE)
    connected_call(lead, msk(2026, 3, 2, 10, 0))  # Monday
    connected_call(lead, msk(2026, 3, 3, 10, 0))  # Tuesday
    with time_machine.travel(msk(2026, 3, 4, 10, 0), tick=False):
        verdict = check_lead(Lead.objects.select_related("campaign", "call_list", "contact").get(pk=lead.pk))
    assert verdict.rules == [Rule.DEBT_WEEK]
    assert verdict.refusals[0].until == msk(2026, 3, 9, 0, 0)
    assert rules_at(lead, msk(2026, 3, 8, 19, 59)) == [Rule.DEBT_WEEK]  # Sunday evening: still this week
    assert rules_at(lead, msk(2026, 3, 10, 10, 0)) == []  # Tuesday of the next week (Monday 9th is a holiday)


def test_the_week_boundary_is_the_debtors_monday_not_moscows(legal_debt: Campaign, debt_list: CallList) -> None:
    lead = make_lead(debt_list, VLADIVOSTOK_LANDLINE)
    connected_call(lead, msk(2026, 3, 11, 3, 0))  # Wednesday
    connected_call(lead, msk(2026, 3, 12, 3, 0))  # Thursday
    # Monday 16 March 08:30 in Vladivostok = Monday 01:30 Moscow = Sunday 22:30 UTC: a new week for the debtor.
    assert rules_at(lead, msk(2026, 3, 16, 1, 30)) == []
    # At Monday 00:30 Moscow it is still Sunday 23:30 in Kaliningrad: the old week (and night) there.
    kaliningrad = make_lead(debt_list, KALININGRAD_LANDLINE, debtor_key="account:K-1")
    connected_call(kaliningrad, msk(2026, 3, 11, 12, 0))
    connected_call(kaliningrad, msk(2026, 3, 12, 12, 0))
    assert rules_at(kaliningrad, msk(2026, 3, 16, 0, 30)) == [Rule.CALLING_WINDOW, Rule.DEBT_WEEK]


def test_eight_conversations_a_month_by_calendar_month(legal_debt: Campaign, debt_list: CallList) -> None:
    lead = make_lead(debt_list, MOSCOW_LANDLINE)
    # Two a week through March: 2–3, 10–11, 16–17, 23–24 = 8.
    for day in (2, 3, 10, 11, 16, 17, 23, 24):
        connected_call(lead, msk(2026, 3, day, 10, 0))
    with time_machine.travel(msk(2026, 3, 30, 10, 0), tick=False):  # a new week, but the month is used up
        verdict = check_lead(Lead.objects.select_related("campaign", "call_list", "contact").get(pk=lead.pk))
    assert verdict.rules == [Rule.DEBT_MONTH]
    assert "8 из 8" in verdict.refusals[0].message
    assert verdict.refusals[0].until == msk(2026, 4, 1, 0, 0)
    assert rules_at(lead, msk(2026, 3, 31, 21, 59)) == [Rule.DEBT_MONTH]
    assert rules_at(lead, msk(2026, 4, 1, 10, 0)) == []


def test_the_counters_follow_the_debtor_across_campaigns_and_numbers(legal_debt: Campaign, debt_list: CallList) -> None:
    contact = ContactFactory.create()
    other_campaign = CampaignFactory.create(kind="debt", code="debt-2", workday_start=time(8), workday_end=time(22))
    other_list = CallListFactory.create(campaign=other_campaign)
    first = make_lead(debt_list, MOSCOW_LANDLINE, contact=contact)
    second = make_lead(other_list, "+74957654321", contact=contact)
    connected_call(first, msk(2026, 3, 2, 10, 0))
    assert rules_at(second, msk(2026, 3, 2, 15, 0)) == [Rule.DEBT_DAY]


def test_information_campaigns_have_no_230_limits(info_list: CallList) -> None:
    lead = make_lead(info_list, MOSCOW_LANDLINE, status=LeadStatus.RETRY, attempts=1)
    for day in (2, 2, 2):
        connected_call(lead, msk(2026, 3, day, 10, 0))
    assert rules_at(lead, msk(2026, 3, 2, 12, 0)) == []


def test_an_unknown_zone_counts_periods_in_every_zone(legal_debt: Campaign, debt_list: CallList) -> None:
    lead = make_lead(debt_list, MOBILE)
    # Monday 12:30 Moscow. On Tuesday at 09:30 Moscow it is a new day everywhere in Russia.
    connected_call(lead, msk(2026, 3, 2, 12, 30))
    assert rules_at(lead, msk(2026, 3, 3, 9, 30)) == []
    assert rules_at(lead, msk(2026, 3, 2, 12, 45)) == [Rule.DEBT_DAY]


def test_a_parked_verdict_knows_when_time_alone_releases_the_lead(legal_debt: Campaign, debt_list: CallList) -> None:
    lead = make_lead(debt_list, VLADIVOSTOK_LANDLINE)
    connected_call(lead, msk(2026, 3, 2, 3, 0))
    with time_machine.travel(msk(2026, 3, 2, 15, 30), tick=False):
        verdict = check_lead(Lead.objects.select_related("campaign", "call_list", "contact").get(pk=lead.pk))
    assert set(verdict.rules) == {Rule.DEBT_DAY, Rule.CALLING_WINDOW}
    # The next local day starts at midnight Vladivostok (17:00 Moscow), the window at 08:00 there (01:00 Moscow).
    assert verdict.held_until() == msk(2026, 3, 3, 1, 0)
    DoNotCall.objects.create(phone=VLADIVOSTOK_LANDLINE, source="callee")
    with time_machine.travel(msk(2026, 3, 2, 15, 30), tick=False):
        verdict = check_lead(Lead.objects.select_related("campaign", "call_list", "contact").get(pk=lead.pk))
    assert verdict.held_until() is None


def test_the_safe_window_sits_inside_every_russian_zone_window() -> None:
    """Property: any minute the safe window allows is 08:00–22:00 local time in each Russian zone."""
    from hotline.campaigns.rules.windows import LEGAL_DEBT_HOURS, allowed_spans

    start = msk(2026, 3, 2, 0, 0)
    spans = allowed_spans(RUSSIAN_ZONES, LEGAL_DEBT_HOURS, start, start + timedelta(days=7), None)
    assert spans
    for a, b in spans:
        for moment in (a, b - timedelta(minutes=1)):
            for zone in RUSSIAN_ZONES:
                local = moment.astimezone(ZoneInfo(zone))
                low, high = (time(8), time(22)) if local.weekday() < 5 else (time(9), time(20))
                assert low <= local.time() < high, (zone, local)
