# ruff: noqa: E501 - template lines are message lines; wrapping them would change the mail.
"""The shipped wording of every notification in Russian and English, and the variables each may use.

An administrator overrides any of them in the admin (``NotificationTemplate``); the subject gets the
ticket number in front automatically and customer mail gets the queue's signature at the end, so
neither can be lost by an edit. Templates use Django's template language with only the variables
listed here (see ``rendering``).
"""

from __future__ import annotations

from typing import NamedTuple

from hotline.notify.kinds import Kind


class DefaultTemplate(NamedTuple):
    subject: str
    body: str


COMMON_VARIABLES = {
    "number": "номер заявки (HL-000123)",
    "subject": "тема заявки",
    "status": "статус заявки",
    "queue": "очередь",
    "priority": "приоритет",
    "ticket_url": "ссылка на заявку (клиенту — в личном кабинете, сотруднику — в рабочем месте)",
    "recipient_name": "имя получателя",
    "customer_name": "имя клиента",
    "assignee_name": "исполнитель",
    "actor_name": "кто совершил действие",
    "site_url": "адрес системы",
}

VARIABLES: dict[str, dict[str, str]] = {
    Kind.REQUEST_RECEIVED: {"description": "текст обращения", "unsubscribe_url": "ссылка отписки"},
    Kind.REPLY_ADDED: {
        "message": "текст ответа",
        "author_name": "кто ответил",
        "attachments": "список имён вложенных файлов",
        "unsubscribe_url": "ссылка отписки",
    },
    Kind.STATUS_CHANGED: {
        "old_status": "прежний статус",
        "new_status": "новый статус",
        "reason": "причина",
        "unsubscribe_url": "ссылка отписки",
    },
    Kind.RESOLVED: {
        "resolution": "описание решения",
        "rating_url": "ссылка для оценки",
        "rating_links": "список {score, url}: ссылки на оценки 1–5",
        "unsubscribe_url": "ссылка отписки",
    },
    Kind.ASSIGNED: {},
    Kind.ESCALATED: {
        "from_queue": "откуда",
        "to_queue": "куда",
        "reason": "причина",
        "transferred": "истина, если это передача в отдел, а не эскалация",
    },
    Kind.CUSTOMER_REPLIED: {"message": "текст клиента"},
    Kind.MENTIONED: {"note": "текст комментария", "author_name": "кто упомянул"},
    Kind.SLA_WARNING: {"target": "какой срок (реакция, решение)", "due_at": "когда истекает"},
    Kind.SLA_BREACHED: {"target": "какой срок (реакция, решение)", "due_at": "когда истёк"},
}


def variables_for(kind: str) -> dict[str, str]:
    return {**COMMON_VARIABLES, **VARIABLES.get(kind, {})}


_RU: dict[str, DefaultTemplate] = {
    Kind.REQUEST_RECEIVED: DefaultTemplate(
        "Ваше обращение принято: {{ subject }}",
        """Здравствуйте{% if recipient_name %}, {{ recipient_name }}{% endif %}!

Мы получили ваше обращение и зарегистрировали его под номером {{ number }}.
Тема: {{ subject }}

Ответьте на это письмо, если хотите что-то добавить, — ответ попадёт в ту же заявку.
{% if ticket_url %}Следить за заявкой: {{ ticket_url }}
{% endif %}""",
    ),
    Kind.REPLY_ADDED: DefaultTemplate(
        "{{ subject }}",
        """{{ message }}
{% if attachments %}
Вложения: {{ attachments|join:", " }}
{% endif %}
—
{{ author_name }}, заявка {{ number }}. Чтобы ответить, просто ответьте на это письмо.""",
    ),
    Kind.STATUS_CHANGED: DefaultTemplate(
        "Статус заявки: {{ new_status }}",
        """Здравствуйте{% if recipient_name %}, {{ recipient_name }}{% endif %}!

Статус вашей заявки {{ number }} «{{ subject }}» изменился: {{ old_status }} → {{ new_status }}.
{% if reason %}Комментарий: {{ reason }}
{% endif %}{% if ticket_url %}Подробнее: {{ ticket_url }}
{% endif %}""",
    ),
    Kind.RESOLVED: DefaultTemplate(
        "Заявка решена: {{ subject }}",
        """Здравствуйте{% if recipient_name %}, {{ recipient_name }}{% endif %}!

Ваша заявка {{ number }} «{{ subject }}» решена.
{% if resolution %}Решение: {{ resolution }}
{% endif %}
Если проблема осталась, ответьте на это письмо — заявка откроется снова.

Оцените, пожалуйста, нашу работу от 1 до 5:
{% for link in rating_links %}{{ link.score }} — {{ link.url }}
{% endfor %}""",
    ),
    Kind.ASSIGNED: DefaultTemplate(
        "Вам назначена заявка: {{ subject }}",
        """{% if actor_name %}{{ actor_name }} назначил(а) вам{% else %}Вам назначена{% endif %} заявку {{ number }} «{{ subject }}».
Клиент: {{ customer_name|default:"—" }}. Приоритет: {{ priority }}. Очередь: {{ queue }}.

{{ ticket_url }}""",
    ),
    Kind.ESCALATED: DefaultTemplate(
        "{% if transferred %}Передана заявка{% else %}Эскалирована заявка{% endif %}: {{ subject }}",
        """Заявка {{ number }} «{{ subject }}» {% if transferred %}передана{% else %}эскалирована{% endif %} из очереди «{{ from_queue }}» в «{{ to_queue }}».
{% if reason %}Причина: {{ reason }}
{% endif %}Приоритет: {{ priority }}.

{{ ticket_url }}""",
    ),
    Kind.CUSTOMER_REPLIED: DefaultTemplate(
        "Ответ клиента: {{ subject }}",
        """{{ customer_name|default:"Клиент" }} ответил(а) по заявке {{ number }}:

{{ message }}

{{ ticket_url }}""",
    ),
    Kind.MENTIONED: DefaultTemplate(
        "Вас упомянули: {{ subject }}",
        """{{ author_name }} упомянул(а) вас во внутреннем комментарии к заявке {{ number }} «{{ subject }}»:

{{ note }}

{{ ticket_url }}""",
    ),
    Kind.SLA_WARNING: DefaultTemplate(
        "Скоро истекает срок ({{ target }}): {{ subject }}",
        """По заявке {{ number }} «{{ subject }}» скоро истекает срок «{{ target }}»: {{ due_at }}.
Исполнитель: {{ assignee_name|default:"не назначен" }}. Приоритет: {{ priority }}.

{{ ticket_url }}""",
    ),
    Kind.SLA_BREACHED: DefaultTemplate(
        "Нарушен срок ({{ target }}): {{ subject }}",
        """По заявке {{ number }} «{{ subject }}» нарушен срок «{{ target }}» (истёк {{ due_at }}).
Исполнитель: {{ assignee_name|default:"не назначен" }}. Приоритет: {{ priority }}.

{{ ticket_url }}""",
    ),
}

_EN: dict[str, DefaultTemplate] = {
    Kind.REQUEST_RECEIVED: DefaultTemplate(
        "We have received your request: {{ subject }}",
        """Hello{% if recipient_name %} {{ recipient_name }}{% endif %},

We have received your request and registered it as {{ number }}.
Subject: {{ subject }}

Reply to this e-mail to add anything — your reply joins the same request.
{% if ticket_url %}Follow your request: {{ ticket_url }}
{% endif %}""",
    ),
    Kind.REPLY_ADDED: DefaultTemplate(
        "{{ subject }}",
        """{{ message }}
{% if attachments %}
Attachments: {{ attachments|join:", " }}
{% endif %}
—
{{ author_name }}, request {{ number }}. To answer, simply reply to this e-mail.""",
    ),
    Kind.STATUS_CHANGED: DefaultTemplate(
        "Request status: {{ new_status }}",
        """Hello{% if recipient_name %} {{ recipient_name }}{% endif %},

The status of your request {{ number }} "{{ subject }}" has changed: {{ old_status }} → {{ new_status }}.
{% if reason %}Comment: {{ reason }}
{% endif %}{% if ticket_url %}Details: {{ ticket_url }}
{% endif %}""",
    ),
    Kind.RESOLVED: DefaultTemplate(
        "Request resolved: {{ subject }}",
        """Hello{% if recipient_name %} {{ recipient_name }}{% endif %},

Your request {{ number }} "{{ subject }}" has been resolved.
{% if resolution %}Resolution: {{ resolution }}
{% endif %}
If the problem persists, reply to this e-mail and the request will be reopened.

Please rate our work from 1 to 5:
{% for link in rating_links %}{{ link.score }} — {{ link.url }}
{% endfor %}""",
    ),
    Kind.ASSIGNED: DefaultTemplate(
        "Assigned to you: {{ subject }}",
        """{% if actor_name %}{{ actor_name }} assigned you{% else %}You have been assigned{% endif %} ticket {{ number }} "{{ subject }}".
Customer: {{ customer_name|default:"—" }}. Priority: {{ priority }}. Queue: {{ queue }}.

{{ ticket_url }}""",
    ),
    Kind.ESCALATED: DefaultTemplate(
        "{% if transferred %}Transferred{% else %}Escalated{% endif %}: {{ subject }}",
        """Ticket {{ number }} "{{ subject }}" was {% if transferred %}transferred{% else %}escalated{% endif %} from "{{ from_queue }}" to "{{ to_queue }}".
{% if reason %}Reason: {{ reason }}
{% endif %}Priority: {{ priority }}.

{{ ticket_url }}""",
    ),
    Kind.CUSTOMER_REPLIED: DefaultTemplate(
        "Customer replied: {{ subject }}",
        """{{ customer_name|default:"The customer" }} replied on ticket {{ number }}:

{{ message }}

{{ ticket_url }}""",
    ),
    Kind.MENTIONED: DefaultTemplate(
        "You were mentioned: {{ subject }}",
        """{{ author_name }} mentioned you in an internal note on ticket {{ number }} "{{ subject }}":

{{ note }}

{{ ticket_url }}""",
    ),
    Kind.SLA_WARNING: DefaultTemplate(
        "SLA due soon ({{ target }}): {{ subject }}",
        """The {{ target }} target of ticket {{ number }} "{{ subject }}" is due soon: {{ due_at }}.
Assignee: {{ assignee_name|default:"nobody" }}. Priority: {{ priority }}.

{{ ticket_url }}""",
    ),
    Kind.SLA_BREACHED: DefaultTemplate(
        "SLA breached ({{ target }}): {{ subject }}",
        """The {{ target }} target of ticket {{ number }} "{{ subject }}" was breached (due {{ due_at }}).
Assignee: {{ assignee_name|default:"nobody" }}. Priority: {{ priority }}.

{{ ticket_url }}""",
    ),
}

DEFAULT_TEMPLATES: dict[str, dict[str, DefaultTemplate]] = {"ru": _RU, "en": _EN}


def default_template(kind: str, language: str) -> DefaultTemplate:
    return DEFAULT_TEMPLATES.get(language, _RU).get(kind) or _RU[kind]
