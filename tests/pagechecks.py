"""Checks on whole rendered pages."""

from html.parser import HTMLParser

INERT_SCRIPT_TYPES = {"application/ld+json", "application/json"}


class _Elements(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.handlers: list[tuple[str, str]] = []
        self.script_bodies: list[str] = []
        self.texts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        self.handlers += [(tag, name) for name, _ in attrs if name.lower().startswith("on")]
        if tag == "script" and attributes.get("type") not in INERT_SCRIPT_TYPES:
            self._in_script = True
            self.script_bodies.append("")
        for name in ("href", "src", "action", "formaction"):
            if (attributes.get(name) or "").strip().lower().startswith("javascript:"):
                self.handlers.append((tag, name))

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script:
            self.script_bodies[-1] += data
        else:
            self.texts.append(data)


def assert_page_inert(html: str, *, payload_text: str | None = None) -> None:
    """No event handler, javascript: URL or inline script made it into the page as markup.

    If `payload_text` is given, it must appear as visible text (escaped, not dropped).
    """
    parser = _Elements()
    parser.feed(html)
    assert parser.handlers == []
    assert [body for body in parser.script_bodies if body.strip()] == []
    if payload_text is not None:
        assert payload_text in "".join(parser.texts)
