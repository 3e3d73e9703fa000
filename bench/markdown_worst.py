"""Pathological markdown: render time per input size, before and after MedRef's pre-check.

    python bench/markdown_worst.py                  # every family at 1, 2, 4, 8, 16 and 40 KB
    python bench/markdown_worst.py --sizes 1000,4000 --family '[' --cap 2

"before" is the plain renderer MedRef used (Python-Markdown with its extensions, then the
sanitizer); a size that exceeds --cap seconds is cut off and the family's larger sizes are
skipped. "after" is `render_markdown` today: the rendered time, or how fast it was refused and
why. A family is super-linear when its time grows faster than its size (x2 size, x4 time). The
last part times a section's validate-then-save path: two renders without the memo, one with.
"""

import argparse
import signal
import sys
import time
from pathlib import Path

import markdown

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from monographs import markdown as medref_markdown

SIZES = [1000, 2000, 4000, 8000, 16000, 40000]


def repeat(unit: str, size: int, tail: str = "") -> str:
    return unit * max(1, (size - len(tail)) // len(unit)) + tail


FAMILIES = {
    # Inline: each opener scans to its closer, or to the end of its paragraph.
    "[ run": lambda n: repeat("[", n),
    "![ run": lambda n: repeat("![", n),
    "[ per line": lambda n: repeat("[\n", n),
    "[[ ]] nested": lambda n: "[" * (n // 2) + "]" * (n // 2),
    "[a][ references": lambda n: repeat("[a][", n),
    "[a]( unclosed links": lambda n: repeat("[a](", n),
    "![a]( unclosed images": lambda n: repeat("![a](", n),
    "footnote refs": lambda n: repeat("x[^1] ", n, "\n\n[^1]: y"),
    "< run": lambda n: repeat("<", n),
    "<a unclosed tags": lambda n: repeat("<a ", n),
    "<a per line": lambda n: repeat("<a\n", n),
    "<a x=' quotes": lambda n: repeat("<a x='", n),
    "</a unclosed": lambda n: repeat("</a", n),
    "* run": lambda n: repeat("*", n),
    "*a emphasis": lambda n: repeat("*a ", n),
    "_ run": lambda n: repeat("_", n),
    "` run": lambda n: repeat("`", n),
    "`a code spans": lambda n: repeat("`a ", n),
    "& run": lambda n: repeat("&", n),
    "&amp; entities": lambda n: repeat("&amp;", n),
    "\\ run": lambda n: repeat("\\", n),
    "<b> inline html": lambda n: repeat("<b>", n),
    # Blocks: nesting recurses; lines that split a block re-parse the rest of it.
    "> nested quotes": lambda n: repeat("> ", n, "x"),
    "> quote lines": lambda n: repeat("> a\n", n),
    "- nested list": lambda n: repeat("- ", n, "x"),
    "1. nested list": lambda n: repeat("1. ", n, "x"),
    "*a a* nested emphasis": lambda n: "*a " * (n // 6) + "a* " * (n // 6),
    "indented list": lambda n: "".join(
        "    " * level + "- x\n" for level in range(int((n / 2) ** 0.5))
    ),
    "deep indented code": lambda n: "\n".join(" " * min(i, 400) + "x" for i in range(n // 200)),
    "# headings, one block": lambda n: repeat("# a\n", n),
    "# headings, blank lines": lambda n: repeat("# a\n\n", n),
    "*** rules": lambda n: repeat("***\n", n),
    "setext headings": lambda n: repeat("a\n-\n", n),
    ": definitions": lambda n: repeat(": b\n", n, "a\n"),
    "abbreviations": lambda n: (
        "".join(f"*[A{i}]: x\n" for i in range(n // 20)) + " ".join(f"A{i}" for i in range(n // 20))
    ),
    "table rows": lambda n: "a|b\n-|-\n" + repeat("1|2\n", n - 8),
    "wide table": lambda n: "|".join("a" * (n // 4)) + "\n" + "|".join("-" * (n // 4)) + "\n",
    "- list items": lambda n: repeat("- a\n", n),
    "``` fences": lambda n: repeat("```\n", n),
    "``` unclosed fences": lambda n: repeat("```a\n", n),
    "<div> blocks": lambda n: repeat("<div>\n", n),
    "<div> nested": lambda n: repeat("<div>", n),
    "<ul><li> nested": lambda n: repeat("<ul><li>", n),
    "plain prose": lambda n: repeat("Take *one* tablet [daily](https://example.org). ", n),
}


class CutOff(BaseException):
    """Not an Exception: the renderer turns those into MarkdownError."""


def _alarm(signum, frame):
    raise CutOff


def plain_render(text: str) -> str:
    """The renderer before the pre-check: a fresh converter, no limits."""
    configs = {"toc": {"permalink": False, "slugify": markdown.extensions.toc.slugify_unicode}}
    converter = markdown.Markdown(
        extensions=medref_markdown._EXTENSIONS, extension_configs=configs, output_format="html"
    )
    return medref_markdown.sanitize_html(converter.convert(text))


def timed(function, text: str, cap: float) -> tuple[float | None, str]:
    signal.setitimer(signal.ITIMER_REAL, cap)
    start = time.perf_counter()
    try:
        function(text)
        outcome = ""
    except CutOff:
        return None, f">{cap:g}s"
    except RecursionError:
        outcome = "RecursionError"
    except medref_markdown.MarkdownError as error:
        outcome = "refused: " + str(error)[:60]
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
    return time.perf_counter() - start, outcome


def fresh_render(text: str) -> str:
    medref_markdown._memos.__dict__.pop("memo", None)
    return medref_markdown.render_markdown(text)


def bench_families(families, sizes, cap: float) -> float:
    worst = 0.0
    for name, make in families.items():
        print(f"\n{name}")
        print(f"  {'chars':>7}  {'before':>9}  {'after':>9}  after's outcome")
        before_cut = False
        for size in sizes:
            text = make(size)
            if before_cut:
                before = "skipped"
            else:
                seconds, outcome = timed(plain_render, text, cap)
                before_cut = seconds is None
                before = outcome if seconds is None else f"{seconds:8.3f}s"
                if outcome == "RecursionError":
                    before = "RecErr"
            seconds, outcome = timed(fresh_render, text, cap)
            after = outcome if seconds is None else f"{seconds:8.3f}s"
            if seconds is not None:
                worst = max(worst, seconds)
            print(f"  {len(text):>7}  {before:>9}  {after:>9}  {outcome}")
    return worst


def bench_save_path(rounds: int = 20) -> None:
    """A section's validate-then-save: two renders without the memo, a render and a hit with."""
    text = FAMILIES["plain prose"](4000) + "\n\n" + FAMILIES["- list items"](2000)
    for label, clear_between in [("without memo", True), ("with memo", False)]:
        start = time.perf_counter()
        for _ in range(rounds):
            fresh_render(text)  # validation
            if clear_between:
                medref_markdown._memos.__dict__.pop("memo", None)
            medref_markdown.render_markdown(text)  # save()
        per_save = (time.perf_counter() - start) / rounds * 1000
        print(f"  validate + save, 6 KB section, {label}: {per_save:.2f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", help="comma-separated sizes in characters")
    parser.add_argument("--family", action="append", help="only this family (repeatable)")
    parser.add_argument("--cap", type=float, default=5.0, help="seconds before a render is cut")
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")] if args.sizes else SIZES
    families = {name: FAMILIES[name] for name in args.family} if args.family else FAMILIES
    signal.signal(signal.SIGALRM, _alarm)
    worst = bench_families(families, sizes, args.cap)
    print(f"\nslowest 'after' of any input: {worst:.3f}s")
    print("\nsave path")
    bench_save_path()


if __name__ == "__main__":
    main()
