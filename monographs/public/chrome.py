"""The site chrome of `base.html`, rendered once per process and filled in per request.

The header, navigation and footer are the same for every public page and every reader, so the
monograph page (the one that must be fastest) renders them once, with markers in place of the
`title`, `meta` and `content` blocks, and afterwards only joins strings. The result is the same
page `{% extends "base.html" %}` would give. In DEBUG the chrome is rendered afresh every time,
so template edits show at once.
"""

from html import escape

from django.conf import settings
from django.template import engines
from django.urls import get_script_prefix
from django.utils.safestring import SafeString, mark_safe

from monographs.public.article import json_for_html

BLOCKS = ("title", "meta", "content")
_MARK = "\x00medref-block:{}\x00"
_CHILD = '{% extends "base.html" %}' + "".join(
    f"{{% block {name} %}}{_MARK.format(name)}{{% endblock %}}" for name in BLOCKS
)

_shells: dict[str, tuple[str, ...]] = {}


def _render_parts() -> tuple[str, ...]:
    html = engines["django"].from_string(_CHILD).render({})
    parts = []
    for name in BLOCKS:
        before, found, html = html.partition(_MARK.format(name))
        if not found:
            raise ValueError(f"base.html has no {{% block {name} %}}.")
        parts.append(before)
    parts.append(html)
    return tuple(parts)


def _parts() -> tuple[str, ...]:
    if settings.DEBUG:
        return _render_parts()
    prefix = get_script_prefix()
    parts = _shells.get(prefix)
    if parts is None:
        parts = _shells[prefix] = _render_parts()
    return parts


def render_page(*, title: SafeString, meta: SafeString, content: SafeString) -> str:
    """A whole page: base.html's chrome around already-escaped title, meta and content."""
    head, before_meta, before_content, tail = _parts()
    return "".join((head, title, before_meta, meta, before_content, content, tail))


SITE_NAME = "MedRef"


def page_meta(*, title: str, description: str, path: str, kind: str = "website") -> SafeString:
    """The head tags every public page carries: its description, canonical address (on
    SITE_URL, never the request's Host, since pages are cached) and the OpenGraph and Twitter
    card that link previews read."""
    url = settings.SITE_URL + path
    tags = [
        ("name", "description", description),
        ("property", "og:type", kind),
        ("property", "og:site_name", SITE_NAME),
        ("property", "og:title", title),
        ("property", "og:description", description),
        ("property", "og:url", url),
        ("name", "twitter:card", "summary"),
        ("name", "twitter:title", title),
        ("name", "twitter:description", description),
    ]
    lines = [f'<link rel="canonical" href="{escape(url)}">']
    lines += [f'<meta {attr}="{key}" content="{escape(value)}">' for attr, key, value in tags]
    return mark_safe("\n".join(lines) + "\n")  # noqa: S308 — every value is escaped above


def breadcrumbs(trail: list[tuple[str, str]]) -> SafeString:
    """A breadcrumb trail of (name, path) pairs, the last being this page, and its
    `BreadcrumbList` JSON-LD."""
    items = []
    for position, (name, path) in enumerate(trail, start=1):
        if position == len(trail):
            items.append(f'<li><span aria-current="page">{escape(name)}</span></li>')
        else:
            items.append(f'<li><a href="{escape(path)}">{escape(name)}</a></li>')
    data = {
        "@context": "https://schema.org",
        "@type": "BreadcrumbList",
        "itemListElement": [
            {
                "@type": "ListItem",
                "position": position,
                "name": name,
                "item": settings.SITE_URL + path,
            }
            for position, (name, path) in enumerate(trail, start=1)
        ],
    }
    return mark_safe(  # noqa: S308 — names escaped, JSON escaped for a script element
        '<nav class="breadcrumb" aria-label="Breadcrumb">\n<ol>'
        + "".join(items)
        + "</ol>\n</nav>\n"
        + f'<script type="application/ld+json">{json_for_html(data)}</script>\n'
    )
