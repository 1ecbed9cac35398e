"""URLs of telephony (``telephony:``): PBX webhooks, the call log, callbacks, the screen-pop, call scripts."""

from django.urls import path

from hotline.telephony.views import callbacks, calls, hooks, pop, runner, scripts

app_name = "telephony"
urlpatterns = [
    path("hooks/<slug:slug>/", hooks.webhook, name="webhook"),
    path("hooks/<slug:slug>/<path:subpath>", hooks.webhook, name="webhook_path"),
    # The agent's phone on every page, and the caller's card.
    path("bar/", pop.bar, name="bar"),
    path("extension/", pop.extension, name="extension"),
    path("pop/<int:call_id>/", pop.pop, name="pop"),
    path("pop/<int:call_id>/tools/", pop.tools, name="pop_tools"),
    path("calls/<int:call_id>/request/", pop.new_request, name="new_request"),
    path("calls/<int:call_id>/link/", pop.link, name="link"),
    path("calls/<int:call_id>/contact/", pop.create_contact, name="create_contact"),
    path("calls/<int:call_id>/transfer/", pop.transfer, name="transfer"),
    # The call log, callbacks, the ticket page's calls block.
    path("calls/", calls.calls, name="calls"),
    path("calls/<int:call_id>/", calls.call, name="call"),
    path("ticket/<str:ref>/", calls.ticket_panel, name="ticket_panel"),
    path("callbacks/", callbacks.callbacks, name="callbacks"),
    path("callbacks/<int:callback_id>/assign/", callbacks.assign, name="callback_assign"),
    path("callbacks/<int:callback_id>/close/", callbacks.close, name="callback_close"),
    # Script runs.
    path("runs/", runner.start, name="run_start"),
    path("runs/<int:run_id>/", runner.view, name="run"),
    path("runs/<int:run_id>/answer/", runner.answer, name="run_answer"),
    path("runs/<int:run_id>/back/", runner.back, name="run_back"),
    path("runs/<int:run_id>/finish/", runner.finish, name="run_finish"),
    path("runs/<int:run_id>/cancel/", runner.cancel, name="run_cancel"),
    # The supervisors' script editor.
    path("scripts/", scripts.script_list, name="scripts"),
    path("scripts/<int:script_id>/", scripts.script, name="script"),
    path("scripts/<int:script_id>/settings/", scripts.settings, name="script_settings"),
    path("scripts/<int:script_id>/draft/", scripts.new_draft, name="script_draft"),
    path("scripts/<int:script_id>/publish/", scripts.publish, name="script_publish"),
    path("scripts/<int:script_id>/nodes/", scripts.node_save, name="node_add"),
    path("scripts/<int:script_id>/nodes/<slug:key>/", scripts.node_save, name="node_save"),
    path("scripts/<int:script_id>/nodes/<slug:key>/delete/", scripts.node_delete, name="node_delete"),
    path("scripts/<int:script_id>/nodes/<slug:key>/move/", scripts.node_move, name="node_move"),
]
