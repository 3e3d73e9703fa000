"""Suggestions as a reader types: published drugs whose name, brand name or synonym starts so.

Every published name, other name and generic name is held in memory in search's spelling,
sorted, once per publication generation and process (built from one query, ~30,000 keys at
10,000 drugs); a suggestion is then a binary search, with no query at all. Names come first,
then other names and synonyms, then names with a later word starting so ("pira" finds
"Methylcobalamin + Piracetam"); each drug once, alphabetically within each kind.
"""

from bisect import bisect_left
from dataclasses import dataclass
from threading import Lock

from django.urls import reverse

from monographs.models import SearchDocument
from monographs.public.page_cache import public_generation
from monographs.search.query import clean_query_text
from monographs.search.spelling import WORD, search_terms

MAX_SUGGESTIONS = 8
MIN_PREFIX_CHARS = 2
MAX_PREFIX_CHARS = 100


@dataclass(frozen=True)
class Suggestion:
    """A drug to offer: its name, the other name the prefix matched (if not the name), slug."""

    name: str
    matched: str
    slug: str

    def as_json(self) -> dict:
        url = reverse("monographs:drug_detail", kwargs={"slug": self.slug})
        return {"name": self.name, "matched": self.matched or None, "url": url}


def suggestion_key(text: str) -> str:
    """Text as suggestions compare it: its words in search's spelling, one space apart."""
    return " ".join(WORD.findall(search_terms(text)))


class _SortedKeys:
    """Keys in order, each with what it suggests, for prefix lookups."""

    def __init__(self, entries: list[tuple[str, Suggestion]]) -> None:
        entries.sort(key=lambda entry: (entry[0], entry[1].name))
        self.keys = [key for key, _ in entries]
        self.suggestions = [suggestion for _, suggestion in entries]

    def starting_with(self, prefix: str):
        index = bisect_left(self.keys, prefix)
        while index < len(self.keys) and self.keys[index].startswith(prefix):
            yield self.suggestions[index]
            index += 1


class SuggestionIndex:
    """The names, other names and later words of every published drug, sorted by key."""

    def __init__(self, documents) -> None:
        names, others, inner = [], [], []
        for slug, name, drug_class, aliases in documents:
            own = Suggestion(name, "", slug)
            names.append((suggestion_key(name), own))
            inner.extend((key, own) for key in _later_words(name))
            for alias in aliases.splitlines():
                # The last line of the aliases is the drug class: not a name for the drug.
                if not alias or alias in (drug_class, name):
                    continue
                other = Suggestion(name, alias, slug)
                others.append((suggestion_key(alias), other))
                inner.extend((key, other) for key in _later_words(alias))
        self.kinds = [_SortedKeys(names), _SortedKeys(others), _SortedKeys(inner)]

    def lookup(self, prefix: str, limit: int = MAX_SUGGESTIONS) -> list[Suggestion]:
        """Up to `limit` drugs, each once: names first, then other names, then later words."""
        found, seen = [], set()
        for kind in self.kinds:
            for suggestion in kind.starting_with(prefix):
                if suggestion.slug in seen:
                    continue
                seen.add(suggestion.slug)
                found.append(suggestion)
                if len(found) == limit:
                    return found
        return found


def _later_words(text: str) -> list[str]:
    """Keys starting at each word of the text but its first ("b12" in "vitamin b12")."""
    words = WORD.findall(search_terms(text))
    return [" ".join(words[index:]) for index in range(1, len(words))]


_built: dict[str, tuple[int, SuggestionIndex]] = {}
_building = Lock()


def suggestion_index() -> SuggestionIndex:
    """The index of the current publication generation (built on first use in this process)."""
    generation = public_generation()
    built = _built.get("index")
    if built is not None and built[0] == generation:
        return built[1]
    with _building:
        built = _built.get("index")
        if built is None or built[0] != generation:
            documents = SearchDocument.objects.values_list("slug", "name", "drug_class", "aliases")
            built = (generation, SuggestionIndex(documents.iterator(chunk_size=2000)))
            _built["index"] = built
    return built[1]


def suggest(raw_prefix: str) -> list[Suggestion]:
    """Drugs to offer for what a reader has typed so far (nothing for under two characters)."""
    text, _truncated = clean_query_text((raw_prefix or "")[:MAX_PREFIX_CHARS])
    prefix = suggestion_key(text)
    if len(prefix) < MIN_PREFIX_CHARS:
        return []
    return suggestion_index().lookup(prefix)
