"""Hostile markdown can neither poison later renders nor make rendering super-linear."""

import sys

import pytest

from monographs import limits
from monographs import markdown as medref_markdown
from monographs.importer import ImportFailed, import_file
from monographs.markdown import MarkdownError, render_markdown
from monographs.models import Drug

NORMAL = (
    "Take *one* tablet [daily](https://example.org/label).\n\n"
    "Second paragraph with **strong** text.\n\n- a list\n- of two"
)
NESTED_LIST_POISON = "- " * 1000 + "x"
# Within every limit, but deep enough to run out of stack when little is left.
DEEP_BUT_ALLOWED = "".join(
    "    " * level + "- *item [link](https://example.org)*\n" for level in range(12)
)


def render_short_of_stack(text: str) -> str:
    """Render `text` with little stack left, so the converter fails half-way, as in a worker."""
    depth = 0
    frame = sys._getframe()
    while frame is not None:
        depth, frame = depth + 1, frame.f_back
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(depth + 35)
    try:
        return render_markdown(text)
    finally:
        sys.setrecursionlimit(limit)


# Each family of input that Python-Markdown renders in super-linear time or by recursion
# (bench/markdown_worst.py), with words its refusal names.
PATHOLOGICAL = {
    "[ run": ("[" * 8000, "brackets"),
    "![ run": ("![" * 4000, "brackets"),
    "[ per line": ("[\n" * 4000, "brackets"),
    "nested [[ ]]": ("[" * 4000 + "]" * 4000, "brackets"),
    "[a][ references": ("[a][" * 2000, "brackets"),
    "[a]( unclosed links": ("[a](" * 2000, "brackets"),
    "footnote refs": ("x[^1] " * 1000 + "\n\n[^1]: y", f"limit is {limits.MAX_MARKDOWN_FOOTNOTES}"),
    "<a unclosed tags": ("<a " * 2000, f"limit is {limits.MAX_MARKDOWN_UNCLOSED_TAGS}"),
    "<a x=' quotes": ("<a x='" * 1000, "never closed"),
    "nested list": (NESTED_LIST_POISON, f"the limit is {limits.MAX_MARKDOWN_DEPTH}"),
    "nested ordered list": ("1. " * 1000 + "x", "levels deep"),
    "nested quotes": ("> " * 2000 + "x", "levels deep"),
    "deep indentation": ("- a\n" + "".join(" " * 4 * k + "- b\n" for k in range(1, 40)), "deep"),
    "nested emphasis": ("*a " * 2000 + "a* " * 2000, "Emphasis"),
    "headings in one block": ("# a\n" * 2000, "without a blank line"),
    "rules in one block": ("***\n" * 2000, "without a blank line"),
    "setext headings": ("a\n-\n" * 2000, "without a blank line"),
    "definitions": ("a\n" + ": b\n" * 2000, "without a blank line"),
    "abbreviations": ("".join(f"*[A{i}]: x\n" for i in range(500)), "without a blank line"),
    "too long": ("x" * (limits.MAX_TEXT_CHARS + 1), f"{limits.MAX_TEXT_CHARS:,} characters"),
}


def fresh_render(text: str) -> str:
    """What a brand-new converter makes of `text` (no reused state, no memo)."""
    medref_markdown._converters.__dict__.pop("converter", None)
    medref_markdown._memos.__dict__.pop("memo", None)
    return render_markdown(text)


class PoisonTests:
    def test_failed_render_leaves_later_documents_as_on_a_fresh_converter(self):
        """After a render fails half-way, a normal document keeps paragraphs, emphasis, links."""
        expected = fresh_render(NORMAL)
        with pytest.raises(MarkdownError, match="nests too deeply"):
            render_short_of_stack(DEEP_BUT_ALLOWED)
        assert render_markdown(NORMAL) == expected
        assert expected.count("<p>") == 2
        assert "<em>one</em>" in expected
        assert 'href="https://example.org/label"' in expected

    def test_one_line_nested_list_is_refused_and_changes_nothing(self):
        """The 2 KB one-line nested list of the report is refused; later renders are intact."""
        expected = fresh_render(NORMAL)
        with pytest.raises(MarkdownError, match="levels deep"):
            render_markdown(NESTED_LIST_POISON)
        assert render_markdown(NORMAL) == expected

    def test_deep_but_allowed_markdown_renders_with_a_normal_stack(self):
        """The document that fails short of stack is within the limits and renders normally."""
        assert render_markdown(DEEP_BUT_ALLOWED).count("<ul>") == 12


class PathologicalInputTests:
    @pytest.mark.parametrize("name", sorted(PATHOLOGICAL))
    def test_refused_with_a_message(self, name):
        """Each input family known to render super-linearly is refused, naming what to change."""
        text, words = PATHOLOGICAL[name]
        with pytest.raises(MarkdownError, match=words.replace("[", r"\[").replace("^", r"\^")):
            render_markdown(text)

    @pytest.mark.parametrize(
        "text",
        [
            "A [link](https://example.org) and ![image](https://example.org/x.png) and [^1].\n\n"
            "[^1]: A footnote.",
            "An unclosed [ bracket, a (paren, a < b and a* b.",
            "\n\n".join(["# Dose", "## Adults", "Text."] * 60),
            "a|b\n-|-\n" + "1|2\n" * 2000,
            "- item\n" * 3000,
            "> quote\n" * 3000,
            "- a\n    - b\n        - c\n            - d",
            "Escaped \\[ brackets \\[ stay \\[ literal. " * 300,
            "*Nested **strong and _emphasis_** here*. snake_case_name.",
        ],
        ids=[
            "links",
            "stray marks",
            "headings",
            "long table",
            "long list",
            "quote",
            "nest",
            "esc",
            "em",
        ],
    )
    def test_ordinary_markdown_renders(self, text):
        """Realistic monograph markdown, however long, is not refused."""
        assert render_markdown(text)

    def test_output_stays_linear_in_the_input(self):
        """A long accepted document renders to HTML of proportionate size."""
        text = "Take *one* tablet [daily](https://example.org). " * 800
        assert len(text) <= limits.MAX_TEXT_CHARS
        assert len(render_markdown(text)) < 3 * len(text)


class MemoTests:
    def test_memo_gives_the_bytes_a_fresh_render_gives(self):
        """A second render of the same text (validation, then save) returns identical HTML."""
        text = NORMAL + "\n\n## Heading\n\n| a | b |\n|---|---|\n| 1 | 2 |"
        first = fresh_render(text)
        assert render_markdown(text) == first
        assert medref_markdown._memo().get(text) == first

    def test_memo_is_bounded(self):
        """The memo drops old entries beyond its size instead of growing without end."""
        memo = medref_markdown._RenderedMemo(max_chars=100)
        for index in range(50):
            memo.put(f"text {index}", "<p>html</p>")
        assert memo.chars <= 100
        assert memo.get("text 0") is None
        assert memo.get("text 49") == "<p>html</p>"


@pytest.mark.django_db
class ImporterTests:
    def test_poisonous_section_fails_with_one_line(self, tmp_path, contributor):
        """An imported section the renderer refuses fails its file with a one-line reason."""
        path = tmp_path / "poison.md"
        path.write_text("# Foo\n\n## Usage\n\n" + NESTED_LIST_POISON + "\n")
        with pytest.raises(ImportFailed) as failure:
            import_file(path, user=contributor)
        message = str(failure.value)
        assert message.startswith("poison.md: invalid section: body: ")
        assert "levels deep" in message
        assert "\n" not in message
        assert not Drug.objects.exists()

    def test_too_long_section_names_the_limit(self, tmp_path, contributor):
        """An imported section over MAX_TEXT_CHARS fails naming the limit."""
        path = tmp_path / "long.md"
        path.write_text("# Foo\n\n## Usage\n\n" + "word " * (limits.MAX_TEXT_CHARS // 4) + "\n")
        with pytest.raises(ImportFailed, match=r"more than the limit of 40000 \(MAX_TEXT_CHARS\)"):
            import_file(path, user=contributor)
