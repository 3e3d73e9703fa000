"""Search over published monographs: one entry point, a PostgreSQL and a SQLite implementation.

The index holds one `SearchDocument` per published drug, written from its published revision
whenever publication changes, so drafts and pending edits are never searchable.

Ranking is the same on both databases: drugs whose *name* holds every query word come first,
then those whose name, generic name, other names or class hold them, then body mentions; within
a tier the full-text rank (`ts_rank` with weights A/B/C/D, or FTS5 `bm25` with column weights)
decides. When nothing matches, drug names that look like the query (trigrams: pg_trgm on
PostgreSQL, an FTS5 trigram table on SQLite) are offered instead, for misspellings.

User input is cut to `MAX_QUERY_CHARS` before anything else looks at it, and is turned into a
query by a linear scan of our own; it never reaches a database parser as syntax, so quotes and
operators cannot make a query fail.
"""

import html
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from functools import reduce

from django.contrib.postgres.search import (
    SearchHeadline,
    SearchQuery,
    SearchRank,
    SearchVector,
    SearchVectorExact,
    SearchVectorField,
    TrigramWordSimilarity,
)
from django.db import connection
from django.db.models import Case, F, Func, TextField, Value, When
from django.db.models.functions import Coalesce, Concat, Greatest, Left, NullIf, StrIndex, Substr
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from monographs.markdown import render_markdown
from monographs.models import Drug, SearchDocument, SectionKind

MAX_QUERY_CHARS = 200
MAX_WORDS = 12
MAX_RESULTS = 500
MIN_FUZZY_CHARS = 4
FUZZY_LIMIT = 50
REBUILD_BATCH = 200
FUZZY_SIMILARITY = 0.6  # pg_trgm.word_similarity_threshold's default
CONFIG = "english"

# Highlight markers: private-use characters, removed from indexed text and from queries, so
# that after escaping a snippet they can only stand for the highlights search put there.
MARK_START = "\ue000"
MARK_STOP = "\ue001"

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

_WORD = re.compile(r"[^\W_]+")  # letters and digits, as both databases tokenize
_TAG = re.compile(r"<[^<>]*>")


# ---------------------------------------------------------------------------------------------
# Queries


@dataclass(frozen=True)
class Clause:
    """One word or quoted phrase of a query; `excluded` when the user wrote -word.

    A phrase keeps its stop words (they are in the text it must match) and its text as typed,
    for PostgreSQL's phrase parser (which reads "check-ups" the way it indexed it).
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

    parts = text.split('"')
    for index, part in enumerate(parts):
        if index % 2 == 1 and index < len(parts) - 1:  # inside a closed pair of quotes
            excluded = parts[index - 1].endswith("-")
            add(_WORD.findall(part.lower()), excluded, phrase=part.strip())
            continue
        for token in part.split():
            if token.lower() == "or":
                if groups[-1]:
                    groups.append([])
                continue
            excluded = token.startswith("-")
            for word in _WORD.findall(token.lower()):
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


# ---------------------------------------------------------------------------------------------
# Results


@dataclass(frozen=True)
class SearchHit:
    slug: str
    name: str
    drug_class: str
    reviewed_at: datetime
    snippet: SafeString

    @property
    def url(self) -> str:
        return reverse("monographs:drug_detail", kwargs={"slug": self.slug})


def highlight(text: str) -> SafeString:
    """Escape a snippet from the database and turn its markers into <mark> elements."""
    escaped = escape(text or "")
    return mark_safe(  # noqa: S308 — escaped above; only our own markers become tags
        escaped.replace(MARK_START, "<mark>").replace(MARK_STOP, "</mark>")
    )


def lead(text: str, words: int = 30) -> SafeString:
    """The opening words of a text, escaped, for results without a highlighted passage."""
    parts = (text or "").split()[: words + 1]
    return highlight(" ".join(parts[:words]) + (" …" if len(parts) > words else ""))


@dataclass
class SearchResults:
    """The hits for one query, fetched a page at a time (a valid `Paginator` object list).

    At most `MAX_RESULTS` hits are offered. When more monographs match, every name match is
    still ranked, together with the first `MAX_RESULTS` body matches, and `is_capped` is set:
    ranking all of ten thousand mentions of a very common word costs more than it tells.
    When nothing matches, drugs with similar names are offered and `is_fuzzy` is set.
    """

    query: ParsedQuery
    is_fuzzy: bool = False
    is_capped: bool = False
    _count: int | None = None
    _similar: list[SearchHit] = field(default_factory=list)

    def count(self) -> int:
        if self._count is None:
            found = 0 if self.query.is_empty else backend().count(self.query, limit=MAX_RESULTS)
            self.is_capped = found > MAX_RESULTS
            self._count = min(found, MAX_RESULTS)
            if found == 0 and len("".join(self.query.words)) >= MIN_FUZZY_CHARS:
                self._similar = backend().similar_names(self.query)
                self.is_fuzzy = bool(self._similar)
                self._count = len(self._similar)
        return self._count

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index: slice) -> list[SearchHit]:
        if not isinstance(index, slice):
            raise TypeError("SearchResults can only be sliced.")
        start, stop, _ = index.indices(self.count())
        if stop <= start:
            return []
        if self.is_fuzzy:
            return self._similar[start:stop]
        return backend().page(self.query, offset=start, limit=stop - start, capped=self.is_capped)


def search_drugs(raw_query: str) -> SearchResults:
    """Published monographs matching a user's query, best first, for paging."""
    return SearchResults(query=parse_query(raw_query))


# ---------------------------------------------------------------------------------------------
# The index


def _clean(text: str) -> str:
    """Text without highlight markers, NUL bytes or runs of whitespace."""
    text = (text or "").replace(MARK_START, " ").replace(MARK_STOP, " ").replace("\x00", " ")
    return " ".join(text.split())


def _plain_text(html_text: str) -> str:
    """The text of sanitized HTML (tags dropped, entities decoded)."""
    return html.unescape(_TAG.sub(" ", html_text or ""))


def _section_title(section: dict) -> str:
    """The heading readers see, so "aspirin dosage" finds the monograph with a Dosage section."""
    if section.get("heading"):
        return _clean(section["heading"])
    try:
        return SectionKind(section.get("kind")).label
    except ValueError:
        return ""


def document_fields(content: dict) -> dict:
    """The searchable text of a revision's content: names, aliases, sections, FAQs."""
    sections = []
    for section in content.get("sections", []):
        text = section.get("html")
        if text is None:
            text = render_markdown(section.get("markdown", ""))
        sections.append(f"{_section_title(section)} {_plain_text(text)}")
    faqs = []
    for faq in content.get("faqs", []):
        answer = faq.get("html")
        if answer is None:
            answer = render_markdown(faq.get("answer", ""))
        faqs.append(f"{faq.get('question', '')} {_plain_text(answer)}")
    aliases = [content.get("generic_name", ""), *content.get("other_names", [])]
    aliases.append(content.get("drug_class", ""))
    return {
        "name": _clean(content.get("name", "")),
        "drug_class": content.get("drug_class", ""),
        "aliases": _clean("\n".join(alias for alias in aliases if alias)),
        "body": _clean("\n".join(sections)),
        "faqs": _clean("\n".join(faqs)),
    }


def search_index_update(drug: Drug) -> None:
    """Make the drug's search entry match what the public sees of it (or remove it)."""
    revision = drug.published_revision
    if revision is None:
        SearchDocument.objects.filter(drug_id=drug.pk).delete()
        return
    SearchDocument.objects.update_or_create(
        drug_id=drug.pk,
        defaults={
            **document_fields(revision.content),
            "slug": revision.slug,
            "reviewed_at": revision.approved_at,
        },
    )
    backend().document_written(drug.pk)


def search_index_rebuild() -> int:
    """Rebuild the whole index from the published revisions; return how many were indexed."""
    SearchDocument.objects.all().delete()
    published = (
        Drug.objects.published()
        .select_related("published_revision")
        .only("published_revision__content", "published_revision__approved_at")
        .order_by("pk")
    )
    indexed = 0
    batch: list[SearchDocument] = []
    for drug in published.iterator(chunk_size=REBUILD_BATCH):
        revision = drug.published_revision
        batch.append(
            SearchDocument(
                drug_id=drug.pk,
                slug=revision.slug,
                reviewed_at=revision.approved_at,
                **document_fields(revision.content),
            )
        )
        if len(batch) == REBUILD_BATCH:
            indexed += _index_batch(batch)
    indexed += _index_batch(batch)
    backend().documents_rebuilt()
    return indexed


def _index_batch(batch: list[SearchDocument]) -> int:
    # A derived index, not content: bulk writes are right here (there is no history to keep).
    SearchDocument.objects.bulk_create(batch)
    written = len(batch)
    batch.clear()
    return written


# ---------------------------------------------------------------------------------------------
# PostgreSQL


def postgres_vectors() -> dict:
    """Expressions computing the stored tsvectors from a search document's text columns."""
    names = SearchVector("name", weight="A", config=CONFIG) + SearchVector(
        "aliases", weight="B", config=CONFIG
    )
    everything = (
        names
        + SearchVector("body", weight="C", config=CONFIG)
        + SearchVector("faqs", weight="D", config=CONFIG)
    )
    return {"names_vector": names, "search_vector": everything}


class _TsFilter(Func):
    """`ts_filter(vector, weights)`: the lexemes of a tsvector with the given weights."""

    function = "ts_filter"
    output_field = SearchVectorField()


def stem_prefix(word: str) -> str:
    """A prefix most inflections of the word share ("deficiency" → "deficie")."""
    return word[: max(4, len(word) - 3)]


class PostgresSearch:
    """Stored, GIN-indexed tsvectors per published drug; pg_trgm on names for misspellings."""

    # ts_headline parses all the text it is given: hand it a window around the first match.
    headline_window = 600
    headline_options = {
        "start_sel": MARK_START,
        "stop_sel": MARK_STOP,
        "max_words": 30,
        "min_words": 12,
        "max_fragments": 2,
        "fragment_delimiter": " … ",
    }

    def document_written(self, drug_id: int) -> None:
        """Compute the row's vectors from its text (the GIN indexes follow by themselves)."""
        SearchDocument.objects.filter(drug_id=drug_id).update(**postgres_vectors())

    def documents_rebuilt(self) -> None:
        SearchDocument.objects.update(**postgres_vectors())
        # Fresh statistics, so the planner knows the table is big enough for its indexes.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE monographs_searchdocument")

    @staticmethod
    def tsquery(query: ParsedQuery):
        """The parsed query as a tsquery made of plain and phrase parts (never a syntax error)."""

        def clause_query(clause: Clause):
            if clause.phrase:
                part = SearchQuery(clause.phrase, search_type="phrase", config=CONFIG)
            else:
                part = SearchQuery(" ".join(clause.words), search_type="plain", config=CONFIG)
            return ~part if clause.excluded else part

        groups = [
            reduce(lambda left, right: left & right, map(clause_query, group))
            for group in query.groups
        ]
        return reduce(lambda left, right: left | right, groups)

    def count(self, query: ParsedQuery, *, limit: int) -> int:
        """How many drugs match, counting no further than one past `limit`."""
        matches = SearchDocument.objects.filter(search_vector=self.tsquery(query))
        return matches.values("pk")[: limit + 1].count()

    def page(self, query: ParsedQuery, *, offset: int, limit: int, capped: bool) -> list[SearchHit]:
        tsquery = self.tsquery(query)
        matches = SearchDocument.objects.filter(search_vector=tsquery)
        if capped:
            name_matches = matches.filter(names_vector=tsquery).values("pk")[:MAX_RESULTS]
            candidates = SearchDocument.objects.filter(
                pk__in=name_matches.union(matches.values("pk")[:MAX_RESULTS])
            )
        else:
            candidates = matches
        in_names = SearchVectorExact(F("names_vector"), tsquery)
        tier = Case(
            When(SearchVectorExact(_TsFilter(F("names_vector"), Value("{a}")), tsquery), then=0),
            When(in_names, then=1),
            default=2,
        )
        # Name matches are ranked on the small names vector (shorter names first); only body
        # matches pay for reading their whole document vector.
        rank = Case(
            When(in_names, then=SearchRank(F("names_vector"), tsquery, normalization=Value(2))),
            default=SearchRank(F("search_vector"), tsquery),
        )
        text = Concat("body", Value(" "), "faqs", output_field=TextField())
        prefix = stem_prefix(query.words[0])
        # lower() of the whole text would cost more than the headline: try both cases instead.
        first_match = Coalesce(
            NullIf(StrIndex(text, Value(prefix)), 0),
            NullIf(StrIndex(text, Value(prefix.capitalize())), 0),
            1,
        )
        window = Substr(text, Greatest(first_match - 200, Value(1)), self.headline_window)
        # Highlight any of the words (a passage rarely holds them all, which an AND would need).
        any_word = reduce(
            lambda left, right: left | right,
            (SearchQuery(word, search_type="plain", config=CONFIG) for word in query.words),
        )
        headline = SearchHeadline(window, any_word, config=CONFIG, **self.headline_options)
        rows = (
            candidates.annotate(tier=tier, rank=rank)
            .order_by("tier", "-rank", "name")
            .annotate(headline=headline)
            .values_list("slug", "name", "drug_class", "reviewed_at", "headline")
        )[offset : offset + limit]
        return [
            SearchHit(slug, name, drug_class, reviewed_at, highlight(snippet))
            for slug, name, drug_class, reviewed_at, snippet in rows
        ]

    def similar_names(self, query: ParsedQuery) -> list[SearchHit]:
        text = " ".join(query.words)
        rows = (
            SearchDocument.objects.filter(name__trigram_word_similar=text)
            .annotate(similarity=TrigramWordSimilarity(text, "name"), opening=Left("body", 400))
            .order_by("-similarity", "name")
            .values_list("slug", "name", "drug_class", "reviewed_at", "opening")
        )[:FUZZY_LIMIT]
        return [
            SearchHit(slug, name, drug_class, reviewed_at, lead(opening))
            for slug, name, drug_class, reviewed_at, opening in rows
        ]


# ---------------------------------------------------------------------------------------------
# SQLite


def trigrams(text: str) -> set[str]:
    """pg_trgm-style trigrams of each word (padded with two spaces before, one after)."""
    grams = set()
    for word in _WORD.findall(text.lower()):
        padded = f"  {word} "
        grams.update(padded[index : index + 3] for index in range(len(padded) - 2))
    return grams


def word_similarity(query: str, name: str) -> float:
    """Share of the query's trigrams found in the name, as pg_trgm's word_similarity()."""
    wanted = trigrams(query)
    return len(wanted & trigrams(name)) / len(wanted) if wanted else 0.0


class SQLiteSearch:
    """FTS5 over the text columns, and an FTS5 trigram table over names for misspellings.

    Both are external-content tables over `monographs_searchdocument`; triggers on that table
    (migration 0004) keep them in step with every insert, update and delete.
    """

    tables = ("monographs_search_fts", "monographs_search_names")
    # bm25 weight of each column of monographs_search_fts: name, aliases, body, faqs.
    weights = "10.0, 5.0, 1.0, 0.5"

    def _rows(self, sql: str, params=()) -> list[tuple]:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall() if cursor.description else []

    def document_written(self, drug_id: int) -> None:
        """Nothing to do: the triggers have indexed the row."""

    def documents_rebuilt(self) -> None:
        """Re-read every row into the FTS5 tables (they already follow; this mends any drift)."""
        for table in self.tables:
            self._rows(f"INSERT INTO {table} ({table}) VALUES ('rebuild')")  # noqa: S608

    @staticmethod
    def match(query: ParsedQuery) -> str:
        """The parsed query in FTS5 syntax; every word is a quoted string, so never an error."""

        def phrase(clause: Clause) -> str:
            return '"' + " ".join(clause.words) + '"'

        groups = []
        for group in query.groups:
            wanted = " AND ".join(phrase(clause) for clause in group if not clause.excluded)
            unwanted = " OR ".join(phrase(clause) for clause in group if clause.excluded)
            groups.append(f"({wanted}) NOT ({unwanted})" if unwanted else f"({wanted})")
        return " OR ".join(groups)

    def count(self, query: ParsedQuery, *, limit: int) -> int:
        """How many drugs match, counting no further than one past `limit`."""
        return self._rows(
            "SELECT count(*) FROM (SELECT 1 FROM monographs_search_fts"
            " WHERE monographs_search_fts MATCH %s LIMIT %s)",
            [self.match(query), limit + 1],
        )[0][0]

    def page(self, query: ParsedQuery, *, offset: int, limit: int, capped: bool) -> list[SearchHit]:
        match = self.match(query)
        names_match = f"{{name aliases}} : ({match})"
        candidates, candidate_params = "", []
        if capped:
            # Every name match, and the first MAX_RESULTS matches of all.
            last = self._rows(
                "SELECT rowid FROM monographs_search_fts WHERE monographs_search_fts MATCH %s"
                " ORDER BY rowid LIMIT 1 OFFSET %s",
                [match, MAX_RESULTS - 1],
            )[0][0]
            candidates = (
                " AND (rowid <= %s OR rowid IN (SELECT rowid FROM monographs_search_fts"
                " WHERE monographs_search_fts MATCH %s))"
            )
            candidate_params = [last, names_match]
        ranked = self._rows(
            "SELECT rowid,"  # noqa: S608 — only placeholders and constants are interpolated
            " CASE WHEN rowid IN (SELECT rowid FROM monographs_search_fts"
            "   WHERE monographs_search_fts MATCH %s) THEN 0"
            " WHEN rowid IN (SELECT rowid FROM monographs_search_fts"
            "   WHERE monographs_search_fts MATCH %s) THEN 1 ELSE 2 END AS tier"
            " FROM monographs_search_fts WHERE monographs_search_fts MATCH %s"
            + candidates
            + f" ORDER BY tier, bm25(monographs_search_fts, {self.weights}), rowid"
            " LIMIT %s OFFSET %s",
            [f"name : ({match})", names_match, match, *candidate_params, limit, offset],
        )
        ids = [row[0] for row in ranked]
        if not ids:
            return []
        placeholders = ", ".join(["%s"] * len(ids))
        rows = self._rows(
            "SELECT d.drug_id, d.slug, d.name, d.drug_class, d.reviewed_at,"  # noqa: S608
            "  snippet(monographs_search_fts, 2, %s, %s, ' … ', 24),"
            "  snippet(monographs_search_fts, 3, %s, %s, ' … ', 24)"
            " FROM monographs_search_fts"
            " JOIN monographs_searchdocument d ON d.drug_id = monographs_search_fts.rowid"
            " WHERE monographs_search_fts MATCH %s"
            f" AND monographs_search_fts.rowid IN ({placeholders})",
            [MARK_START, MARK_STOP, MARK_START, MARK_STOP, match, *ids],
        )
        by_id = {row[0]: row[1:] for row in rows}
        hits = []
        for drug_id in ids:
            if drug_id not in by_id:  # an index entry whose document is gone
                continue
            slug, name, drug_class, reviewed_at, body, faqs = by_id[drug_id]
            snippet = faqs if MARK_START not in body and MARK_START in faqs else body
            hits.append(
                SearchHit(slug, name, drug_class, _as_datetime(reviewed_at), highlight(snippet))
            )
        return hits

    def similar_names(self, query: ParsedQuery) -> list[SearchHit]:
        """Names sharing most trigrams with the query (FTS5 trigram table), then scored."""
        text = " ".join(query.words)
        words = [word for word in query.words if len(word) >= 3]
        grams = sorted({word[i : i + 3] for word in words for i in range(len(word) - 2)})
        if not grams:
            return []
        placeholders = ", ".join(["%s"] * len(grams))
        candidates = self._rows(
            "SELECT d.slug, d.name, d.drug_class, d.reviewed_at, substr(d.body, 1, 400)"  # noqa: S608
            " FROM (SELECT doc, count(DISTINCT term) AS shared"
            "   FROM monographs_search_name_trigrams"
            f"  WHERE term IN ({placeholders}) GROUP BY doc"
            "   HAVING shared >= %s ORDER BY shared DESC LIMIT 200) AS t"
            " JOIN monographs_searchdocument d ON d.drug_id = t.doc",
            [*grams, max(2, len(grams) * 2 // 5)],
        )
        scored = []
        for slug, name, drug_class, reviewed_at, opening in candidates:
            score = word_similarity(text, name)
            if score >= FUZZY_SIMILARITY:
                hit = SearchHit(slug, name, drug_class, _as_datetime(reviewed_at), lead(opening))
                scored.append((-score, name, hit))
        scored.sort(key=lambda item: item[:2])
        return [hit for _, _, hit in scored[:FUZZY_LIMIT]]


def _as_datetime(value) -> datetime:
    """Raw SQLite queries hand timestamps back as text."""
    return connection.ops.convert_datetimefield_value(value, None, connection)


def backend() -> PostgresSearch | SQLiteSearch:
    """The search implementation for the database in use."""
    if connection.vendor == "postgresql":
        return PostgresSearch()
    return SQLiteSearch()
