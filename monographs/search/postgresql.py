"""Search on PostgreSQL: stored, GIN-indexed tsvectors ranked with `ts_rank`, pg_trgm on names.

The vectors are computed from the text in search's spelling (`monographs.search.spelling`),
which Python works out when a document is written; the text columns keep what readers see.
"""

from functools import reduce

from django.contrib.postgres.search import (
    SearchQuery,
    SearchRank,
    SearchVectorExact,
    SearchVectorField,
    TrigramWordSimilarity,
)
from django.db import connections
from django.db.models import Case, F, Func, Value, When
from django.db.models.functions import Left

from monographs.models import SearchDocument
from monographs.search.backend import FUZZY_LIMIT, SearchHit
from monographs.search.query import Clause, ParsedQuery
from monographs.search.snippets import lead, snippet
from monographs.search.spelling import search_terms

CONFIG = "english"
VECTOR_BATCH = 200


# Name (A) and other names and class (B); then sections (C) and FAQs (D). CONFIG's language.
WRITE_VECTORS = """
    UPDATE monographs_searchdocument SET
    names_vector = setweight(to_tsvector('english', %s), 'A')
        || setweight(to_tsvector('english', %s), 'B'),
    search_vector = setweight(to_tsvector('english', %s), 'A')
        || setweight(to_tsvector('english', %s), 'B')
        || setweight(to_tsvector('english', %s), 'C')
        || setweight(to_tsvector('english', %s), 'D')
    WHERE drug_id = %s
"""


def vector_params(drug_id: int, name: str, aliases: str, body: str, faqs: str) -> list:
    """The parameters of `WRITE_VECTORS` for one document: its text in search's spelling."""
    name, aliases = search_terms(name), search_terms(aliases)
    return [name, aliases, name, aliases, search_terms(body), search_terms(faqs), drug_id]


class _TsFilter(Func):
    """`ts_filter(vector, weights)`: the lexemes of a tsvector with the given weights."""

    function = "ts_filter"
    output_field = SearchVectorField()


class PostgresSearch:
    """Stored, GIN-indexed tsvectors per published drug; pg_trgm on names for misspellings.

    Ranking uses `ts_rank` with weights A (name), B (other names and class), C (sections) and
    D (FAQs).
    """

    def __init__(self, using: str) -> None:
        self.using = using

    def _documents(self):
        return SearchDocument.objects.using(self.using)

    def document_written(self, document) -> None:
        """Compute the row's vectors from its text (the GIN indexes follow by themselves)."""
        params = vector_params(
            document.drug_id, document.name, document.aliases, document.body, document.faqs
        )
        with connections[self.using].cursor() as cursor:
            cursor.execute(WRITE_VECTORS, params)

    def documents_rebuilt(self) -> None:
        texts = self._documents().values_list("drug_id", "name", "aliases", "body", "faqs")
        batch = []
        with connections[self.using].cursor() as cursor:
            for row in texts.order_by("drug_id").iterator(chunk_size=VECTOR_BATCH):
                batch.append(vector_params(*row))
                if len(batch) == VECTOR_BATCH:
                    cursor.executemany(WRITE_VECTORS, batch)
                    batch.clear()
            if batch:
                cursor.executemany(WRITE_VECTORS, batch)
            # Fresh statistics, so the planner knows the table is big enough for its indexes.
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
        rows = (
            candidates.annotate(tier=tier, rank=rank)
            .order_by("tier", "-rank", "name")
            .values_list("slug", "name", "drug_class", "reviewed_at", "body", "faqs")
        )[offset : offset + limit]
        words = query.words
        return [
            SearchHit(slug, name, drug_class, reviewed_at, snippet((body, faqs), words))
            for slug, name, drug_class, reviewed_at, body, faqs in rows
        ]

    def similar_names(self, query: ParsedQuery) -> list[SearchHit]:
        text = " ".join(query.words)
        rows = (
            self._documents()
            .filter(name__trigram_word_similar=text)
            .annotate(similarity=TrigramWordSimilarity(text, "name"), opening=Left("body", 600))
            .order_by("-similarity", "name")
            .values_list("slug", "name", "drug_class", "reviewed_at", "opening")
        )[:FUZZY_LIMIT]
        return [
            SearchHit(slug, name, drug_class, reviewed_at, lead(opening))
            for slug, name, drug_class, reviewed_at, opening in rows
        ]
