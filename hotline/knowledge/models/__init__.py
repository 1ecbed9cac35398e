from hotline.knowledge.models.articles import (
    Article,
    ArticleAttachment,
    ArticleCategory,
    ArticleFeedback,
    ArticleStatus,
    ArticleUse,
    ArticleVersion,
    DeflectionAttempt,
    Language,
    Visibility,
)
from hotline.knowledge.models.responses import AssignTo, CannedResponse, Macro
from hotline.knowledge.models.search import DocumentKind, SearchDocument, SearchTerm

__all__ = [
    "Article",
    "ArticleAttachment",
    "ArticleCategory",
    "ArticleFeedback",
    "ArticleStatus",
    "ArticleUse",
    "ArticleVersion",
    "AssignTo",
    "CannedResponse",
    "DeflectionAttempt",
    "DocumentKind",
    "Language",
    "Macro",
    "SearchDocument",
    "SearchTerm",
    "Visibility",
]
