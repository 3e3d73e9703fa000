"""Hostile files given to `import_monographs`: each is refused in one line and the run goes on."""

import logging
import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from monographs import importer, limits
from monographs.models import Drug

GOOD = "---\ntitle: Goodamine\n---\n# Goodamine\n\n## Usage\n\nFor good things.\n"
GOOD_LINE = "z-good.md: created Goodamine (goodamine)"

# Billion laughs: nine levels of nine aliases, 9**9 strings once anything walks the value.
ALIAS_BOMB = (
    "---\ntitle: Bombamine\n"
    + 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    + "".join(
        f"{name}: &{name} [{','.join([f'*{previous}'] * 9)}]\n"
        for previous, name in zip("abcdefgh", "bcdefghi", strict=True)
    )
    + "other_names: *i\n---\n# Bombamine\n\n## Usage\n\nBoom.\n"
)
DEEP_FLOW = "---\ntitle: Deepamine\nother_names: " + "[" * 10_000 + "]" * 10_000 + "\n---\n"
DEEP_BLOCK = (
    "---\ntitle: Deepamine\nother_names:\n"
    + "".join(" " * level + "- \n" for level in range(1, 200))
    + "---\n"
)
NESTED_LIST = "- " * 1000 + "x"  # markdown: a 2 KB list nested a thousand levels deep


def article(title: str, sections: list[tuple[str, str]], faqs: list[tuple[str, str]] = ()) -> str:
    blocks = [f"# {title}", *(f"## {heading}\n\n{body}" for heading, body in sections)]
    if faqs:
        blocks.append("## FAQ\n\n" + "\n".join(f"- **{q}** {a}" for q, a in faqs))
    return "\n\n".join(blocks) + "\n"


@pytest.mark.django_db
class HostileImportTests:
    """Each hostile file fails alone, naming itself and the limit; later files still import."""

    def run(self, tmp_path, hostile: dict[str, str | bytes]):
        """Import `hostile` files and a good one sorted after them, in one run of the command."""
        for name, content in {**hostile, "z-good.md": GOOD}.items():
            path = tmp_path / name
            path.write_bytes(content if isinstance(content, bytes) else content.encode())
        out, err = StringIO(), StringIO()
        with pytest.raises(CommandError, match=f"{len(hostile)} of {len(hostile) + 1} imports"):
            call_command(
                "import_monographs", str(tmp_path), "--as", "carla", stdout=out, stderr=err
            )
        assert out.getvalue().splitlines() == [
            GOOD_LINE,
            f"1 imported, 0 unchanged, {len(hostile)} failed.",
        ]
        assert list(Drug.objects.values_list("slug", flat=True)) == ["goodamine"]
        return err.getvalue().splitlines()

    def test_alias_bomb_refused_before_expanding(self, tmp_path, contributor):
        """A billion-laughs front matter is refused at its first anchor, naming aliases."""
        [line] = self.run(tmp_path, {"a-bomb.md": ALIAS_BOMB})
        assert line == (
            "a-bomb.md: refused YAML front matter: anchors and aliases (&name, *name) "
            "are not allowed (line 3)"
        )

    @pytest.mark.parametrize("front_matter", [DEEP_FLOW, DEEP_BLOCK], ids=["flow", "block"])
    def test_deep_front_matter_refused(self, tmp_path, contributor, front_matter):
        """Front matter nested past MAX_FRONT_MATTER_DEPTH is refused before it recurses."""
        [line] = self.run(tmp_path, {"a-deep.md": front_matter + "# Deepamine\n\n## Usage\n\nx\n"})
        assert line.startswith(
            "a-deep.md: refused YAML front matter: lists and mappings nested more than 8 levels "
            "deep (MAX_FRONT_MATTER_DEPTH) (line "
        )

    def test_nested_list_body_refused(self, tmp_path, contributor):
        """A section body nested too deeply to render fails that file only, in one line."""
        [line] = self.run(tmp_path, {"a-nested.md": article("Nestamine", [("Usage", NESTED_LIST)])})
        assert line.startswith("a-nested.md: ")
        assert "nests 1000 levels deep" in line
        assert "the limit is 16" in line
        assert not Drug.objects.filter(name="Nestamine").exists()

    def test_non_scalar_where_text_is_expected(self, tmp_path, contributor):
        """A list where the importer expects text is refused, not stringified."""
        text = "---\ntitle: Listamine\nother_names: [[Foo, [Bar]]]\n---\n" + article(
            "Listamine", [("Usage", "x")]
        )
        [line] = self.run(tmp_path, {"a-list.md": text})
        assert line == "a-list.md: each front-matter other name must be text"

    def test_front_matter_over_limit(self, tmp_path, contributor):
        """Front matter over MAX_FRONT_MATTER_BYTES is refused before it is parsed."""
        padding = "x" * limits.MAX_FRONT_MATTER_BYTES
        text = (
            f"---\ntitle: Bigamine\nregulatory_notes: {padding}\n---\n# Bigamine\n\n## Usage\n\nx\n"
        )
        [line] = self.run(tmp_path, {"a-big.md": text})
        assert re.fullmatch(
            r"a-big\.md: the front matter is \d+ bytes, more than the limit of "
            rf"{limits.MAX_FRONT_MATTER_BYTES} \(MAX_FRONT_MATTER_BYTES\)",
            line,
        )

    def test_file_over_limit(self, tmp_path, contributor):
        """A file over MAX_DOCUMENT_BYTES is refused, naming the limit."""
        # Within every other limit: 30 sections of MAX_TEXT_CHARS each.
        sections = [(f"Part {n}", "word " * (limits.MAX_TEXT_CHARS // 5)) for n in range(30)]
        text = article("Hugeamine", sections)
        assert len(text.encode()) > limits.MAX_DOCUMENT_BYTES
        [line] = self.run(tmp_path, {"a-huge.md": text})
        assert line == (
            f"a-huge.md: the file is larger than the limit of {limits.MAX_DOCUMENT_BYTES} bytes "
            "(MAX_DOCUMENT_BYTES)"
        )

    def test_too_many_sections_and_faqs(self, tmp_path, contributor):
        """More than MAX_SECTIONS sections or MAX_FAQ_ITEMS FAQ items is refused, naming it."""
        sections = [(f"Part {n}", "Text.") for n in range(limits.MAX_SECTIONS + 1)]
        faqs = [(f"Question {n}?", "Answer.") for n in range(limits.MAX_FAQ_ITEMS + 1)]
        lines = self.run(
            tmp_path,
            {
                "a-sections.md": article("Manyamine", sections),
                "b-faqs.md": article("Askamine", [("Usage", "Text.")], faqs),
            },
        )
        assert lines == [
            f"a-sections.md: {limits.MAX_SECTIONS + 1} sections, more than the limit of "
            f"{limits.MAX_SECTIONS} (MAX_SECTIONS)",
            f"b-faqs.md: {limits.MAX_FAQ_ITEMS + 1} FAQ items, more than the limit of "
            f"{limits.MAX_FAQ_ITEMS} (MAX_FAQ_ITEMS)",
        ]

    def test_text_over_limit(self, tmp_path, contributor):
        """A section or FAQ answer over MAX_TEXT_CHARS is refused, naming it and the limit."""
        long_text = "a" * (limits.MAX_TEXT_CHARS + 1)
        lines = self.run(
            tmp_path,
            {
                "a-section.md": article("Longamine", [("Usage", long_text)]),
                "b-answer.md": article("Wordamine", [("Usage", "x")], [("Is it long?", long_text)]),
            },
        )
        limit = f"more than the limit of {limits.MAX_TEXT_CHARS} (MAX_TEXT_CHARS)"
        assert lines == [
            f"a-section.md: section 'Usage' has {len(long_text)} characters, {limit}",
            f"b-answer.md: the answer to 'Is it long?' has {len(long_text)} characters, {limit}",
        ]

    def test_unexpected_error_is_one_line_and_logged(
        self, tmp_path, contributor, monkeypatch, caplog
    ):
        """A bug hit by one file is one line naming it, its traceback is logged, the run goes on."""
        load = importer.monograph_load

        def failing_load(parsed, **kwargs):
            if kwargs["source_name"] == "a-bug.md":
                raise ZeroDivisionError("division by zero")
            return load(parsed, **kwargs)

        monkeypatch.setattr(importer, "monograph_load", failing_load)
        with caplog.at_level(logging.ERROR, logger="monographs.importer"):
            [line] = self.run(tmp_path, {"a-bug.md": article("Bugamine", [("Usage", "x")])})
        assert line == "a-bug.md: unexpected error (ZeroDivisionError: division by zero)"
        [record] = caplog.records
        assert "a-bug.md" in record.getMessage()
        assert record.exc_info[0] is ZeroDivisionError

    def test_long_runs_of_spaces(self, tmp_path, contributor):
        """Runs of spaces in titles, headings and notes are parsed in linear time, as before."""
        spaces = " " * 200_000
        (tmp_path / "a-title.md").write_text(article(f"Spacamine{spaces}b", [("Usage", "x")]))
        (tmp_path / "b-note.txt").write_text(
            f"What is Spacamine{spaces}b\n\nUsage\n\n{spaces[:30_000]}x\n"
        )
        (tmp_path / "c-heading.md").write_text(
            article("Headamine", [(f"Usage{spaces}{spaces}b ##", "x")])
        )
        out, err = StringIO(), StringIO()
        with pytest.raises(CommandError, match="1 of 3 imports failed"):
            call_command(
                "import_monographs", str(tmp_path), "--as", "carla", stdout=out, stderr=err
            )
        assert out.getvalue().splitlines() == [
            "a-title.md: created Spacamine b (spacamine-b)",
            "b-note.txt: created What is Spacamine b (what-is-spacamine-b)",
            "2 imported, 0 unchanged, 1 failed.",
        ]
        [line] = err.getvalue().splitlines()
        assert line.startswith("c-heading.md: invalid section: heading: ")
