"""The only tags and filters notification templates may use (``rendering`` builds its engine on this).

Left out on purpose: ``load`` (any installed library), ``include``/``extends`` (files on disk),
``debug`` (dumps the context and loaded modules), ``url``, ``csrf_token`` and the partial tags.
"""

from __future__ import annotations

from django.template import Library, defaultfilters, defaulttags

SAFE_TAGS = (
    "autoescape",
    "comment",
    "cycle",
    "filter",
    "firstof",
    "for",
    "if",
    "ifchanged",
    "now",
    "regroup",
    "resetcycle",
    "spaceless",
    "templatetag",
    "verbatim",
    "widthratio",
    "with",
)

register = Library()
register.tags.update({name: defaulttags.register.tags[name] for name in SAFE_TAGS})
register.filters.update(defaultfilters.register.filters)
