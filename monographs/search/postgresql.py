"""Search on PostgreSQL: stored, GIN-indexed tsvectors ranked with `ts_rank`, pg_trgm on names."""

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
from django.db import connections
from django.db.models import Case, F, Func, TextField, Value, When
from django.db.models.functions import Coalesce, Concat, Greatest, Left, NullIf, StrIndex, Substr

from monographs.models import SearchDocument
from monographs.search.backend import (
    FUZZY_LIMIT,
    MARK_START,
    MARK_STOP,
    SearchHit,
    highlight,
    lead,
)
from monographs.search.query import Clause, ParsedQuery

CONFIG = "english"


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
    """Stored, GIN-indexed tsvectors per published drug; pg_trgm on names for misspellings.

    Ranking uses `ts_rank` with weights A (name), B (other names and class), C (sections) and
    D (FAQs).
    """

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

    def __init__(self, using: str) -> None:
        self.using = using

    def _documents(self):
        return SearchDocument.objects.using(self.using)

    def document_written(self, drug_id: int) -> None:
        """Compute the row's vectors from its text (the GIN indexes follow by themselves)."""
        self._documents().filter(drug_id=drug_id).update(**postgres_vectors())

    def documents_rebuilt(self) -> None:
        self._documents().update(**postgres_vectors())
        # Fresh statistics, so the planner knows the table is big enough for its indexes.
        with connections[self.using].cursor() as cursor:
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
        matches = self._documents().filter(search_vector=self.tsquery(query))
        return matches.values("pk")[: limit + 1].count()

    def page(
        self, query: ParsedQuery, *, offset: int, limit: int, cap: int | None
    ) -> list[SearchHit]:
        tsquery = self.tsquery(query)
        matches = self._documents().filter(search_vector=tsquery)
        if cap is not None:
            name_matches = matches.filter(names_vector=tsquery).values("pk")[:cap]
            candidates = self._documents().filter(
                pk__in=name_matches.union(matches.values("pk")[:cap])
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
            self._documents()
            .filter(name__trigram_word_similar=text)
            .annotate(similarity=TrigramWordSimilarity(text, "name"), opening=Left("body", 400))
            .order_by("-similarity", "name")
            .values_list("slug", "name", "drug_class", "reviewed_at", "opening")
        )[:FUZZY_LIMIT]
        return [
            SearchHit(slug, name, drug_class, reviewed_at, lead(opening))
            for slug, name, drug_class, reviewed_at, opening in rows
        ]
