"""Notify: outgoing messages to customers and staff — templates, e-mail (threaded), in-app, webhooks.

Imports: core, web (live updates), customers, desk. Publishes: nothing; subscribes (async, from the
outbox) to the desk's events — see ``subscribers`` for who hears about what.

- ``kinds``: the notifications, their audiences and channels; which customer mail is essential.
- ``defaults`` / ``rendering``: shipped Russian and English wording; administrators' overrides rendered
  in a sandboxed Django template engine.
- ``services.dispatch`` queues deliveries (rows first, always); ``services.sending`` sends due mail
  through ``MAILERS`` with our Message-ID and the ticket's In-Reply-To/References;
  ``services.webhooks`` signs and POSTs events; every failure is kept and retried with backoff.
- ``hotline notify send [--loop]`` sends what is due (mail and webhooks).

Threading for intake: every mail we send has a signed Message-ID ``<HL-000123.<random>.<hmac>@<domain>>``
(``hotline.desk.mail_ids``, which intake verifies) stored
in ``EmailDelivery.message_id`` (without brackets); ``selectors.ticket_for_message_ids`` resolves
In-Reply-To/References to a ticket id.
"""
