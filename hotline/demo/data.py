"""What the demo organisation is made of: plain data, no logic."""

from __future__ import annotations

from typing import Any

PASSWORD = "hotline"
CUSTOMER_LOGIN = "resident@example.ru"
RESIDENT_FIRST, RESIDENT_LAST = "Елена", "Иванова"

# username, last, first, role, queues with role, skills
AGENTS: list[dict[str, Any]] = [
    {"username": "admin", "last": "Кузнецова", "first": "Ольга", "role": "admin", "queues": {}},
    {
        "username": "supervisor",
        "last": "Орлов",
        "first": "Дмитрий",
        "role": "supervisor",
        "queues": {
            "cc": "lead",
            "ads": "lead",
            "it2": "lead",
            "eng3": "lead",
            "it3": "lead",
            "billing": "lead",
            "accounting": "lead",
            "legal": "lead",
        },
    },
    {"username": "operator", "last": "Смирнова", "first": "Анна", "role": "operator", "queues": {"cc": "member"}},
    {"username": "operator2", "last": "Волков", "first": "Игорь", "role": "operator", "queues": {"cc": "member"}},
    {"username": "operator3", "last": "Зайцева", "first": "Мария", "role": "operator", "queues": {"cc": "member"}},
    {
        "username": "specialist",
        "last": "Соколов",
        "first": "Алексей",
        "role": "specialist",
        "queues": {"it2": "member"},
        "skills": ["Принтеры", "1С"],
    },
    {
        "username": "specialist2",
        "last": "Лебедева",
        "first": "Екатерина",
        "role": "specialist",
        "queues": {"it2": "member"},
        "skills": ["Сети", "Учётные записи"],
    },
    {"username": "dispatcher", "last": "Морозов", "first": "Павел", "role": "specialist", "queues": {"ads": "member"}},
    {"username": "engineer", "last": "Новиков", "first": "Сергей", "role": "specialist", "queues": {"eng3": "member"}},
    {"username": "sysadmin", "last": "Фёдоров", "first": "Андрей", "role": "specialist", "queues": {"it3": "member"}},
    {
        "username": "accountant",
        "last": "Петрова",
        "first": "Наталья",
        "role": "specialist",
        "queues": {"billing": "member", "accounting": "member"},
    },
    {"username": "lawyer", "last": "Белов", "first": "Кирилл", "role": "specialist", "queues": {"legal": "member"}},
]

# slug, name, line (None = department), mode, escalation slug, email, default
QUEUES: list[dict[str, Any]] = [
    {
        "slug": "cc",
        "name": "Контакт-центр",
        "line_level": 1,
        "assignment_mode": "round_robin",
        "is_default": True,
        "email": "info@uk-domovoy.ru",
        "escalate_to": None,
    },
    {
        "slug": "ads",
        "name": "Аварийно-диспетчерская служба",
        "line_level": 2,
        "assignment_mode": "least_loaded",
        "email": "ads@uk-domovoy.ru",
        "escalate_to": "eng3",
    },
    {
        "slug": "it2",
        "name": "ИТ-поддержка",
        "line_level": 2,
        "assignment_mode": "skills",
        "email": "it@uk-domovoy.ru",
        "escalate_to": "it3",
    },
    {
        "slug": "eng3",
        "name": "Инженерная служба",
        "line_level": 3,
        "assignment_mode": "manual",
        "email": "",
        "escalate_to": None,
    },
    {
        "slug": "it3",
        "name": "ИТ: системные администраторы",
        "line_level": 3,
        "assignment_mode": "manual",
        "email": "",
        "escalate_to": None,
    },
    {
        "slug": "billing",
        "name": "Абонентский отдел",
        "line_level": None,
        "assignment_mode": "least_loaded",
        "email": "abonent@uk-domovoy.ru",
        "escalate_to": None,
    },
    {
        "slug": "accounting",
        "name": "Бухгалтерия",
        "line_level": None,
        "assignment_mode": "manual",
        "email": "",
        "escalate_to": None,
    },
    {
        "slug": "legal",
        "name": "Юридический отдел",
        "line_level": None,
        "assignment_mode": "manual",
        "email": "",
        "escalate_to": None,
    },
]

SKILLS = ["Принтеры", "1С", "Сети", "Учётные записи"]

# name → (children, skill, custom fields)
CATEGORIES: list[dict[str, Any]] = [
    {"name": "Отопление и горячая вода", "children": ["Нет отопления", "Слабый напор ГВС", "Протечка"]},
    {"name": "Электроснабжение", "children": ["Нет света в квартире", "Освещение подъезда"]},
    {"name": "Лифт", "children": []},
    {"name": "Уборка и благоустройство", "children": ["Уборка подъезда", "Вывоз мусора", "Двор и парковка"]},
    {
        "name": "Начисления и оплата",
        "children": ["Квитанция", "Перерасчёт", "Показания счётчиков"],
        "fields": [
            {"key": "account_number", "label": "Лицевой счёт", "field_type": "text", "required": True},
        ],
    },
    {
        "name": "ИТ",
        "children": ["Принтер", "Компьютер", "Доступ и пароли", "1С", "Сеть и интернет"],
        "fields": [{"key": "asset_tag", "label": "Инвентарный номер", "field_type": "text", "required": False}],
    },
]
CHILD_SKILLS = {"Принтер": "Принтеры", "1С": "1С", "Сеть и интернет": "Сети", "Доступ и пароли": "Учётные записи"}
METER_FIELD: dict[str, Any] = {
    "key": "meter_type",
    "label": "Прибор учёта",
    "field_type": "choice",
    "required": True,
    "choices": ["ХВС", "ГВС", "Электроэнергия", "Отопление"],
}

ROUTING_RULES: list[dict[str, Any]] = [
    {
        "name": "ИТ по ключевым словам",
        "order": 10,
        "keywords": "принтер, картридж, 1С, пароль, компьютер, VPN",
        "queue": "it2",
    },
    {"name": "Письма на it@", "order": 20, "channel": "email", "mailbox": "it@uk-domovoy.ru", "queue": "it2"},
    {"name": "Начисления — в абонентский отдел", "order": 30, "category": "Начисления и оплата", "queue": "billing"},
    {
        "name": "Аварии — сразу в АДС",
        "order": 5,
        "keywords": "прорвало, затопило, авария, искрит, запах газа",
        "queue": "ads",
        "set_priority": 1,
    },
]

ORGANISATIONS = [
    {
        "name": "ООО «Ромашка»",
        "inn": "7707083893",
        "address": "г. Москва, ул. Лесная, д. 5, оф. 12",
        "domain": "romashka.ru",
    },
    {"name": "ИП Сидоров А. В. (магазин «Продукты»)", "inn": "", "address": "г. Москва, ул. Лесная, д. 7"},
    {"name": "ТСЖ «Лесная, 9»", "inn": "", "address": "г. Москва, ул. Лесная, д. 9"},
]

LAST = [
    "Иванов",
    "Петров",
    "Сидоров",
    "Кузнецов",
    "Попов",
    "Васильев",
    "Смирнов",
    "Михайлов",
    "Фёдоров",
    "Морозов",
    "Волков",
    "Алексеев",
    "Лебедев",
    "Семёнов",
    "Егоров",
    "Павлов",
    "Козлов",
    "Степанов",
    "Николаев",
    "Орлов",
]
FIRST_M = ["Александр", "Сергей", "Дмитрий", "Андрей", "Алексей", "Иван", "Михаил", "Николай", "Владимир", "Пётр"]
FIRST_F = ["Елена", "Ольга", "Татьяна", "Наталья", "Ирина", "Светлана", "Анна", "Мария", "Людмила", "Галина"]
MIDDLE_M = ["Александрович", "Сергеевич", "Иванович", "Петрович", "Николаевич", "Викторович"]
MIDDLE_F = ["Александровна", "Сергеевна", "Ивановна", "Петровна", "Николаевна", "Викторовна"]
STREETS = ["ул. Лесная", "ул. Садовая", "пр-т Мира"]

# subject, description, category, channel, impact, urgency, story; sla: where an open ticket's clock stands
TICKETS: list[dict[str, Any]] = [
    {
        "subject": "Нет отопления в квартире",
        "text": "Батареи холодные со вчерашнего вечера, в квартире +16.",
        "category": "Нет отопления",
        "channel": "phone",
        "impact": 2,
        "urgency": 3,
        "story": "escalate_resolve_rate",
    },
    {
        "subject": "Прорвало трубу в подвале",
        "text": "В подвале дома 7 по ул. Лесной прорвало трубу, вода прибывает.",
        "category": "Протечка",
        "channel": "phone",
        "impact": 3,
        "urgency": 3,
        "story": "in_progress",
        "sla": "at_risk",
    },
    {
        "subject": "Не печатает принтер в бухгалтерии",
        "text": "HP LaserJet в кабинете 204 пишет «замятие бумаги».",
        "category": "Принтер",
        "channel": "portal",
        "impact": 1,
        "urgency": 2,
        "story": "resolve_rate",
        "fields": {"asset_tag": "ИТ-00421"},
    },
    {
        "subject": "Вопрос по квитанции за октябрь",
        "text": "В квитанции начислено за отопление вдвое больше, чем в сентябре.",
        "category": "Квитанция",
        "channel": "email",
        "impact": 1,
        "urgency": 1,
        "story": "pending_customer",
        "fields": {"account_number": "1002003004"},
    },
    {
        "subject": "Передать показания счётчиков",
        "text": "ХВС 00123, ГВС 00087.",
        "category": "Показания счётчиков",
        "channel": "messenger",
        "impact": 1,
        "urgency": 1,
        "story": "closed",
        "fields": {"account_number": "1002003011", "meter_type": "ХВС"},
    },
    {
        "subject": "Не работает лифт во 2-м подъезде",
        "text": "Лифт стоит на 5 этаже с открытыми дверями.",
        "category": "Лифт",
        "channel": "phone",
        "impact": 3,
        "urgency": 2,
        "story": "assigned",
        "sla": "on_track",
    },
    {
        "subject": "Забыл пароль от 1С",
        "text": "После отпуска не могу войти в 1С: пишет «неверный пароль».",
        "category": "Доступ и пароли",
        "channel": "phone",
        "impact": 1,
        "urgency": 3,
        "story": "resolve_rate",
    },
    {
        "subject": "Перерасчёт за время отсутствия",
        "text": "Был в командировке с 1 по 20 октября, прошу сделать перерасчёт.",
        "category": "Перерасчёт",
        "channel": "walk_in",
        "impact": 1,
        "urgency": 1,
        "story": "transfer_accounting",
        "sla": "breached",
        "fields": {"account_number": "1002003027"},
    },
    {
        "subject": "Не вывезли мусор",
        "text": "Контейнерная площадка переполнена третий день.",
        "category": "Вывоз мусора",
        "channel": "portal",
        "impact": 2,
        "urgency": 2,
        "story": "new",
        "sla": "at_risk",
    },
    {
        "subject": "Мигает свет в подъезде",
        "text": "На 3 и 4 этажах мигают лампы.",
        "category": "Освещение подъезда",
        "channel": "phone",
        "impact": 1,
        "urgency": 1,
        "story": "pending_third_party",
    },
    {
        "subject": "Медленный интернет в офисе",
        "text": "С утра всё открывается очень медленно, VPN отваливается.",
        "category": "Сеть и интернет",
        "channel": "email",
        "impact": 2,
        "urgency": 2,
        "story": "escalate_it3",
        "sla": "on_track",
    },
    {
        "subject": "Слабый напор горячей воды",
        "text": "Горячая вода еле течёт, особенно вечером.",
        "category": "Слабый напор ГВС",
        "channel": "phone",
        "impact": 1,
        "urgency": 2,
        "story": "cancelled",
    },
    {
        "subject": "Требование о возмещении ущерба",
        "text": "После протечки с крыши испорчен потолок, прошу возместить.",
        "category": "Протечка",
        "channel": "email",
        "impact": 2,
        "urgency": 1,
        "story": "transfer_legal",
        "sla": "on_track",
    },
    {
        "subject": "Уборка подъезда не проводится",
        "text": "Уже неделю никто не моет полы в подъезде.",
        "category": "Уборка подъезда",
        "channel": "portal",
        "impact": 1,
        "urgency": 1,
        "story": "resolve_rate",
    },
    {
        "subject": "Компьютер не включается",
        "text": "После отключения электричества ПК не включается.",
        "category": "Компьютер",
        "channel": "phone",
        "impact": 1,
        "urgency": 2,
        "story": "in_progress",
        "sla": "breached",
    },
    {
        "subject": "Нет света в квартире",
        "text": "Выбило автомат, обратно не включается, пахнет гарью.",
        "category": "Нет света в квартире",
        "channel": "phone",
        "impact": 2,
        "urgency": 3,
        "story": "escalate_resolve_rate",
    },
]

AGENT_REPLIES = {
    "Нет отопления": "Здравствуйте! Передали заявку в аварийно-диспетчерскую службу, мастер свяжется с вами сегодня.",
    "default": "Здравствуйте! Заявка принята в работу, сообщим о результате.",
}
