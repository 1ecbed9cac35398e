"""URLs of campaigns (``campaigns:``): management, the agent's workspace, statistics, the PBX's event hook."""

from django.urls import path

from hotline.campaigns.views import hooks, manage, work

app_name = "campaigns"
urlpatterns = [
    path("", manage.campaign_list, name="list"),
    path("new/", manage.campaign_new, name="new"),
    path("dnc/", manage.dnc, name="dnc"),
    path("dnc/<int:entry_id>/remove/", manage.dnc_remove, name="dnc_remove"),
    path("callbacks/", work.callbacks, name="callbacks"),
    path("callbacks/<int:callback_id>/cancel/", work.cancel_callback, name="cancel_callback"),
    path("work/", work.workspace, name="work"),
    path("work/seat/", work.seat, name="seat"),
    path("work/join/<int:campaign_id>/", work.join, name="join"),
    path("work/leave/", work.leave, name="leave"),
    path("work/next/", work.next_lead, name="next"),
    path("work/skip/", work.skip, name="skip"),
    path("work/dial/<int:lead_id>/", work.dial, name="dial"),
    path("work/disposition/<int:attempt_id>/", work.disposition, name="disposition"),
    path("work/message/<int:lead_id>/", work.message, name="message"),
    path("dialer/<int:gateway_id>/events/", hooks.dialer_events, name="dialer_events"),
    path("<int:campaign_id>/", manage.campaign_detail, name="detail"),
    path("<int:campaign_id>/edit/", manage.campaign_edit, name="edit"),
    path("<int:campaign_id>/status/", manage.campaign_status, name="status"),
    path("<int:campaign_id>/dispositions/", manage.dispositions, name="dispositions"),
    path("<int:campaign_id>/dispositions/<int:disposition_id>/", manage.disposition_edit, name="disposition_edit"),
    path("<int:campaign_id>/import/", manage.import_upload, name="import"),
    path("<int:campaign_id>/segment/", manage.segment, name="segment"),
    path("<int:campaign_id>/lists/<int:list_id>/toggle/", manage.list_toggle, name="list_toggle"),
    path("<int:campaign_id>/leads/", manage.leads, name="leads"),
    path("<int:campaign_id>/dnc/", manage.campaign_dnc, name="campaign_dnc"),
    path("<int:campaign_id>/stats/", manage.stats, name="stats"),
    path("<int:campaign_id>/stats.xlsx", manage.stats_export, name="stats_export"),
    path("imports/<int:job_id>/", manage.import_job, name="import_job"),
    path("imports/<int:job_id>/rejections.csv", manage.import_rejections_csv, name="import_rejections"),
    path("leads/<int:lead_id>/", manage.lead_detail, name="lead"),
]
