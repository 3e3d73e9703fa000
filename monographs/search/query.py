"""Reading a reader's query: bounded, normalized, and parsed by a linear scan of our own.

User input is cut to `MAX_QUERY_CHARS` before anything else looks at it; the parsed query never
reaches a database parser as syntax, so quotes and operators cannot make a query fail. Its
words are in the spelling the index uses (`monographs.search.spelling`), so "anaemia" and
"anemia" are one query.
"""

import unicodedata
from dataclasses import dataclass

from monographs.search.spelling import WORD, search_terms

MAX_QUERY_CHARS = 200
MAX_WORDS = 12

# PostgreSQL's english stop words: too common to narrow a search, dropped on both databases.
_STOP_WORDS_TEXT = """
    i me my myself we our ours ourselves you your yours yourself yourselves he him his himself
    she her hers herself it its itself they them their theirs themselves what which who whom this
    that these those am is are was were be been being have has had having do does did doing a an
    the and but if or because as until while of at by for with about against between into
    through during before after above below to from up down in out on off over under again
    further then once here there when where why how all any both each few more most other some
    such no nor not only own same so than too very s t can will just don should now"""
STOP_WORDS = frozenset(_STOP_WORDS_TEXT.split())


@dataclass(frozen=True)
class Clause:
    """One word or quoted phrase of a query; `excluded` when the user wrote -word.

    A phrase keeps its stop words (they are in the text it must match) and its text (in the
    index's spelling) for PostgreSQL's phrase parser, which reads "check-ups" the way it
    indexed it.
    """

    words: tuple[str, ...]
    excluded: bool = False
    phrase: str = ""


@dataclass(frozen=True)
class ParsedQuery:
    """A user's query, cleaned and bounded: OR-groups of clauses that must all match."""

    text: str
    groups: tuple[tuple[Clause, ...], ...] = ()
    truncated: bool = False
    only_common_words: bool = False

    @property
    def is_empty(self) -> bool:
        return not self.groups

    @property
    def key(self) -> str:
        """What the query asks, whatever its spelling: one key for "Anaemia" and "anemia"."""
        return repr(self.groups)

    @property
    def words(self) -> list[str]:
        """The words to look for, in order, without operators or exclusions."""
        return [
            word
            for group in self.groups
            for clause in group
            if not clause.excluded
            for word in clause.words
        ]


def clean_query_text(raw: str) -> tuple[str, bool]:
    """Bound, normalize and tidy raw input; say whether it had to be shortened."""
    raw = raw or ""
    truncated = len(raw) > MAX_QUERY_CHARS
    text = unicodedata.normalize("NFKC", raw[:MAX_QUERY_CHARS])[:MAX_QUERY_CHARS]
    text = "".join(char if char.isprintable() else " " for char in text)
    return " ".join(text.split()), truncated


def parse_query(raw: str) -> ParsedQuery:
    """Read a query like a web search box: words, "quoted phrases", `or`, and -exclusions."""
    text, truncated = clean_query_text(raw)
    groups: list[list[Clause]] = [[]]
    budget = MAX_WORDS
    dropped_common = False

    def add(words: list[str], excluded: bool, phrase: str = "") -> None:
        nonlocal budget, dropped_common
        common = [word in STOP_WORDS for word in words]
        dropped_common = dropped_common or any(common)
        if all(common) or budget <= 0:
            return
        if phrase and len(words) > budget:
            words = words[:budget]
            phrase = " ".join(words)
        kept = words if phrase else [word for word in words if word not in STOP_WORDS]
        budget -= len(kept)
        groups[-1].append(Clause(tuple(kept), excluded, phrase if len(kept) > 1 else ""))

    parts = search_terms(text).split('"')
    for index, part in enumerate(parts):
        if index % 2 == 1 and index < len(parts) - 1:  # inside a closed pair of quotes
            excluded = parts[index - 1].endswith("-")
            add(WORD.findall(part.lower()), excluded, phrase=part.strip())
            continue
        for token in part.split():
            if token.lower() == "or":
                if groups[-1]:
                    groups.append([])
                continue
            excluded = token.startswith("-")
            for word in WORD.findall(token.lower()):
                add([word], excluded)
    # A group of exclusions alone would match nearly everything: drop it.
    kept_groups = tuple(
        tuple(group) for group in groups if any(not clause.excluded for clause in group)
    )
    return ParsedQuery(
        text=text,
        groups=kept_groups,
        truncated=truncated,
        only_common_words=not kept_groups and dropped_common,
    )
