"""The one path from user markdown to safe HTML: render, then sanitize against an allowlist."""

import re
import threading
import unicodedata
from urllib.parse import unquote

import markdown
import nh3
from markdown.extensions.toc import slugify_unicode

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "code", "dd", "del", "dl", "dt", "em",
    "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "ins", "kbd", "li", "mark", "ol", "p", "pre",
    "s", "small", "span", "strong", "sub", "sup", "table", "tbody", "td", "tfoot", "th", "thead",
    "tr", "u", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "h1": {"id"}, "h2": {"id"}, "h3": {"id"}, "h4": {"id"}, "h5": {"id"}, "h6": {"id"},
    "ol": {"start"},
    "td": {"align", "colspan", "rowspan"},
    "th": {"align", "colspan", "rowspan", "scope"},
}  # fmt: skip
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}
URL_ATTRIBUTES = {"href", "src", "cite", "action", "formaction", "xlink:href"}

_SCHEME = re.compile(r"([a-z][a-z0-9+.\-]*):")

_EXTENSIONS = ["extra", "sane_lists", "toc"]


_converters = threading.local()


def _markdown_converter() -> markdown.Markdown:
    """This thread's converter, reset for a new document (building one is a third of a render)."""
    converter = getattr(_converters, "converter", None)
    if converter is None:
        configs = {"toc": {"permalink": False, "slugify": slugify_unicode}}
        converter = markdown.Markdown(
            extensions=_EXTENSIONS, extension_configs=configs, output_format="html"
        )
        _converters.converter = converter
    return converter.reset()


def _url_scheme(url: str) -> str | None:
    """The scheme a lenient reader could see in `url` once decoded and stripped of invisibles."""
    decoded = unquote(url)
    visible = "".join(
        char
        for char in decoded
        if not (char.isspace() or unicodedata.category(char) in {"Cc", "Cf", "Co", "Cn"})
        and char != "\ufffd"
    )
    match = _SCHEME.match(visible.lower())
    return match.group(1) if match else None


def _drop_disguised_urls(element: str, attribute: str, value: str) -> str | None:
    # nh3 already rejects real schemes outside the allowlist; this also drops relative-looking
    # URLs that only hide one (`%6Aavascript:`, `java\u200bscript:`), so no reader or later
    # decoder can turn them back into a script URL.
    if attribute in URL_ATTRIBUTES:
        scheme = _url_scheme(value)
        if scheme is not None and scheme not in ALLOWED_URL_SCHEMES:
            return None
    return value


def sanitize_html(html: str) -> str:
    """Strip everything outside the allowlist; links get rel=noopener noreferrer nofollow."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        attribute_filter=_drop_disguised_urls,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )


def render_markdown(text: str) -> str:
    """Render markdown to sanitized HTML (also markdownx's live-preview function)."""
    if not text:
        return ""
    return sanitize_html(_markdown_converter().convert(text))
