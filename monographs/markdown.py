"""The one path from user markdown to safe HTML: render, then sanitize against an allowlist.

Markdown is untrusted: before rendering, a linear pre-check refuses the structures that make
Python-Markdown super-linear or recursive (bench/markdown_worst.py measures them), and a failed
render never leaves state behind for the next document.
"""

import contextlib
import logging
import re
import threading
import unicodedata
from collections import OrderedDict
from collections.abc import Iterable
from urllib.parse import unquote

import markdown
import nh3
from markdown.extensions.toc import slugify_unicode

from monographs import limits

logger = logging.getLogger(__name__)

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


class MarkdownError(ValueError):
    """Markdown MedRef will not render; the message tells its author why and what to change."""


_converters = threading.local()


def _new_converter() -> markdown.Markdown:
    configs = {"toc": {"permalink": False, "slugify": slugify_unicode}}
    return markdown.Markdown(
        extensions=_EXTENSIONS, extension_configs=configs, output_format="html"
    )


def _convert(text: str) -> str:
    """Convert with this thread's converter (building one is a third of a render).

    The converter is taken from the thread while it works and given back only after a
    successful conversion: one that failed (a RecursionError half-way through leaves stale
    parser state behind) is dropped, so no input can change how a later document renders.
    """
    converter = _converters.__dict__.pop("converter", None) or _new_converter()
    try:
        html = converter.reset().convert(text)
    except RecursionError:
        raise MarkdownError(
            "This markdown nests too deeply to render (lists, quotes or emphasis inside one "
            "another): flatten it."
        ) from None
    except Exception as error:
        logger.warning("markdown failed to render", exc_info=True)
        raise MarkdownError(f"This markdown could not be rendered ({error}).") from None
    _converters.converter = converter
    return html


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


# Pre-check: what Python-Markdown 3 spends super-linear time on, measured in bench/.
# A blank line ends every run of inline text, so brackets are matched within a block.
_BLOCK_BREAK = re.compile(r"\n[ \t]*\n")
# One container level at the start of a line: a quote marker or a list marker.
_CONTAINER = re.compile(r"[ \t]*(?:>|(?:[-+*]|\d{1,9}[.)])(?=[ \t]|$))")
# Lines that end one block element and leave the rest of their block to be parsed again:
# ATX and setext headings, rules, definitions, abbreviations.
_BLOCK_SPLITTER = re.compile(
    r"[ \t]*(?:#{1,6}(?:[ \t]|$)|(?:[-*_][ \t]*){3,}$|=+[ \t]*$|-+[ \t]*$|:[ \t]|\*\[)"
)
_BRACKET = re.compile(r"\\.|\]\(|[\[\]()]", re.DOTALL)
_TAG_OPENER = re.compile(r"<[A-Za-z/!?]")
# A run of emphasis marks with what comes before and after it.
_EMPHASIS = re.compile(r"(^|.)([*_]+)(.|$)", re.DOTALL)


def _line_number(text: str, index: int) -> int:
    return text.count("\n", 0, index) + 1


def _check_lines(text: str) -> None:
    depth_limit = limits.MAX_MARKDOWN_DEPTH
    splits = 0
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            splits = 0
            continue
        expanded = line.expandtabs(4)
        depth = (len(expanded) - len(expanded.lstrip(" "))) // 4
        position = 0
        while (container := _CONTAINER.match(expanded, position)) is not None:
            depth += 1
            position = container.end()
        if depth > depth_limit:
            raise MarkdownError(
                f"Line {number} nests {depth} levels deep (lists, quotes or indentation); "
                f"the limit is {depth_limit}."
            )
        # A lone "-" is a list marker or a setext underline: count it as the latter.
        if _BLOCK_SPLITTER.match(expanded) or _BLOCK_SPLITTER.match(expanded, position):
            splits += 1
            if splits > limits.MAX_MARKDOWN_UNBROKEN_BLOCKS:
                raise MarkdownError(
                    f"Line {number}: more than {limits.MAX_MARKDOWN_UNBROKEN_BLOCKS} headings, "
                    "rules or definitions follow one another without a blank line; "
                    "put blank lines between them."
                )


def _bracket_work(block: str) -> tuple[int, int | None]:
    """What matching this block's '[' and '](' costs Python-Markdown, and its first open '['."""
    work = 0
    brackets: list[int] = []
    parens: list[tuple[int, bool]] = []
    for match in _BRACKET.finditer(block):
        mark, start = match.group(), match.start()
        if mark == "[":
            brackets.append(start)
        elif mark == "]" and brackets:
            work += start - brackets.pop()
        elif mark == "](":
            if brackets:
                work += start - brackets.pop()
            parens.append((start, True))
        elif mark == "(":
            parens.append((start, False))
        elif mark == ")" and parens:
            opened, is_link = parens.pop()
            if is_link:
                work += start - opened
    work += sum(len(block) - opened for opened in brackets)
    work += sum(len(block) - opened for opened, is_link in parens if is_link)
    return work, brackets[0] if brackets else None


def _emphasis_depth(block: str) -> int:
    """How deeply emphasis nests in `block`: open runs still pending when one closes."""
    pending = deepest = 0
    for match in _EMPHASIS.finditer(block):
        before, after = match.group(1), match.group(3)
        opens = after.strip() != "" and before.strip() == ""
        closes = before.strip() != "" and after.strip() == ""
        if opens:
            pending += 1
        elif closes and pending:
            deepest = max(deepest, pending)
            pending -= 1
    return deepest


def _check_brackets(text: str) -> None:
    work = 0
    start = 0
    first_open = None
    for block_break in [*_BLOCK_BREAK.finditer(text), None]:
        end = block_break.start() if block_break else len(text)
        block = text[start:end]
        if _emphasis_depth(block) > limits.MAX_MARKDOWN_DEPTH:
            raise MarkdownError(
                f"Emphasis (* or _) nests more than {limits.MAX_MARKDOWN_DEPTH} levels deep near "
                f"line {_line_number(text, start)}; the limit is {limits.MAX_MARKDOWN_DEPTH}."
            )
        block_work, open_at = _bracket_work(block)
        work += block_work
        if first_open is None and open_at is not None:
            first_open = start + open_at
        start = block_break.end() if block_break else end
    if work > limits.MAX_MARKDOWN_BRACKET_WORK:
        where = f" (the first one never closed is on line {_line_number(text, first_open)})"
        raise MarkdownError(
            "Too many brackets are left open or close far from where they open"
            f"{where if first_open is not None else ''}: '[' … ']' and '](' … ')' may span "
            f"{limits.MAX_MARKDOWN_BRACKET_WORK:,} characters in all, these span {work:,}. "
            "Close each '[' in its paragraph, or write \\[ for a literal bracket."
        )


def check_markdown(text: str) -> None:
    """Raise MarkdownError if `text` is too large or shaped to make rendering slow or fail."""
    if len(text) > limits.MAX_TEXT_CHARS:
        raise MarkdownError(
            f"This text is {len(text):,} characters long; the limit is "
            f"{limits.MAX_TEXT_CHARS:,} characters."
        )
    _check_lines(text)
    _check_brackets(text)
    unclosed_tags = len(_TAG_OPENER.findall(text, text.rfind(">") + 1))
    if unclosed_tags > limits.MAX_MARKDOWN_UNCLOSED_TAGS:
        raise MarkdownError(
            f"{unclosed_tags} '<' open an HTML tag that is never closed with '>'; the limit is "
            f"{limits.MAX_MARKDOWN_UNCLOSED_TAGS}. Write &lt; for a literal '<'."
        )
    footnotes = text.count("[^")
    if footnotes > limits.MAX_MARKDOWN_FOOTNOTES:
        raise MarkdownError(
            f"This text has {footnotes} footnote references and definitions ([^…]); "
            f"the limit is {limits.MAX_MARKDOWN_FOOTNOTES}."
        )


class _RenderedMemo:
    """The last few texts this thread rendered, bounded by their total size.

    Validation renders a section body (before the admin's transaction takes any lock), and
    save() renders it again to store body_html: the memo makes the second one a lookup.
    Rendering is a pure function of the text, so a hit gives the bytes a render would.
    """

    def __init__(self, max_chars: int):
        self.max_chars = max_chars
        self.chars = 0
        self.entries: OrderedDict[str, str] = OrderedDict()

    def get(self, text: str) -> str | None:
        html = self.entries.get(text)
        if html is not None:
            self.entries.move_to_end(text)
        return html

    def put(self, text: str, html: str) -> None:
        size = len(text) + len(html)
        if size > self.max_chars or text in self.entries:
            return
        self.entries[text] = html
        self.chars += size
        while self.chars > self.max_chars:
            old_text, old_html = self.entries.popitem(last=False)
            self.chars -= len(old_text) + len(old_html)


_memos = threading.local()


def _memo() -> _RenderedMemo:
    memo = getattr(_memos, "memo", None)
    if memo is None:
        # A whole document's worth: the admin renders every changed section of one POST.
        memo = _memos.memo = _RenderedMemo(max_chars=4 * limits.MAX_DOCUMENT_BYTES)
    return memo


def render_markdown(text: str) -> str:
    """Render markdown to sanitized HTML (also markdownx's live-preview function).

    Raise MarkdownError for text refused by `check_markdown` or that fails to render.
    """
    if not text:
        return ""
    memo = _memo()
    html = memo.get(text)
    if html is None:
        check_markdown(text)
        html = sanitize_html(_convert(text))
        memo.put(text, html)
    return html


def render_ahead(texts: Iterable[str]) -> None:
    """Render `texts` now, so that validating and saving them later reuses the result."""
    for text in texts:
        # A refused text is reported by validation, at the cost of the cheap pre-check again.
        with contextlib.suppress(MarkdownError):
            render_markdown(text.replace("\r\n", "\n").replace("\r", "\n"))
