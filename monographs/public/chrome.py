"""The site chrome of `base.html`, rendered once per process and filled in per request.

The header, navigation and footer are the same for every public page and every reader, so the
monograph page (the one that must be fastest) renders them once, with markers in place of the
`title`, `meta` and `content` blocks, and afterwards only joins strings. The result is the same
page `{% extends "base.html" %}` would give. In DEBUG the chrome is rendered afresh every time,
so template edits show at once.
"""

from django.conf import settings
from django.template import engines
from django.urls import get_script_prefix
from django.utils.safestring import SafeString

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
