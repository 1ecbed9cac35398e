from hotline.desk.models.config import (
    AgentSkill,
    Category,
    CustomFieldDefinition,
    PriorityRule,
    Queue,
    QueueMembership,
    RoutingRule,
    Skill,
)
from hotline.desk.models.messages import Attachment, Message
from hotline.desk.models.tickets import (
    SatisfactionRating,
    Tag,
    Ticket,
    TicketHistory,
    TicketLink,
    format_ticket_number,
)

__all__ = [
    "AgentSkill",
    "Attachment",
    "Category",
    "CustomFieldDefinition",
    "Message",
    "PriorityRule",
    "Queue",
    "QueueMembership",
    "RoutingRule",
    "SatisfactionRating",
    "Skill",
    "Tag",
    "Ticket",
    "TicketHistory",
    "TicketLink",
    "format_ticket_number",
]
