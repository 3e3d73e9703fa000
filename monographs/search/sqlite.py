"""Search on SQLite: FTS5 ranked with `bm25`, and an FTS5 trigram table over names.

The FTS5 table indexes the search documents in search's spelling: its content is the view
`monographs_search_terms`, which passes each text column through `medref_search_terms()`, the
SQL name of `monographs.search.spelling.search_terms`, registered on every SQLite connection
(`register_search_functions`). Changing a spelling rule therefore needs `manage.py
rebuild_search_index`: the index must be re-read with the new rule before a row is deleted
with it.
"""

from datetime import datetime

from django.db import connections

from monographs.search.backend import FUZZY_LIMIT, SearchHit
from monographs.search.query import Clause, ParsedQuery
from monographs.search.snippets import lead, snippet
from monographs.search.spelling import WORD, search_terms

SEARCH_TERMS_FUNCTION = "medref_search_terms"


def register_search_functions(sender, connection, **kwargs) -> None:
    """Give a new SQLite connection the spelling function its search index is written with."""
    if connection.vendor == "sqlite":
        connection.connection.create_function(
            SEARCH_TERMS_FUNCTION, 1, search_terms, deterministic=True
        )


FUZZY_SIMILARITY = 0.6  # pg_trgm.word_similarity_threshold's default


def trigrams(text: str) -> set[str]:
    """pg_trgm-style trigrams of each word (padded with two spaces before, one after)."""
    grams = set()
    for word in WORD.findall(text.lower()):
        padded = f"  {word} "
        grams.update(padded[index : index + 3] for index in range(len(padded) - 2))
    return grams


def word_similarity(query: str, name: str) -> float:
    """Share of the query's trigrams found in the name, as pg_trgm's word_similarity()."""
    wanted = trigrams(query)
    return len(wanted & trigrams(name)) / len(wanted) if wanted else 0.0


class SQLiteSearch:
    """FTS5 over the text columns, and an FTS5 trigram table over names for misspellings.

    Both are external-content tables over `monographs_searchdocument` (the words one through
    the view `monographs_search_terms`); triggers on that table (migrations 0004 and 0015) keep
    them in step with every insert, update and delete.
    """

    tables = ("monographs_search_fts", "monographs_search_names")
    # bm25 weight of each column of monographs_search_fts: name, aliases, body, faqs.
    weights = "10.0, 5.0, 1.0, 0.5"

    def __init__(self, using: str) -> None:
        self.using = using

    def _rows(self, sql: str, params=()) -> list[tuple]:
        with connections[self.using].cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall() if cursor.description else []

    def _as_datetime(self, value) -> datetime:
        """Raw SQLite queries hand timestamps back as text."""
        connection = connections[self.using]
        return connection.ops.convert_datetimefield_value(value, None, connection)

    def document_written(self, document) -> None:
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

    def page(
        self, query: ParsedQuery, *, offset: int, limit: int, cap: int | None
    ) -> list[SearchHit]:
        """One query: rank the matches by tier and bm25, then read the page's documents."""
        match = self.match(query)
        names_match = f"{{name aliases}} : ({match})"
        candidates, candidate_params = "", []
        if cap is not None:
            # Every name match, and the first `cap` matches of all.
            candidates = (
                " AND (rowid <= (SELECT rowid FROM monographs_search_fts"
                "   WHERE monographs_search_fts MATCH %s ORDER BY rowid LIMIT 1 OFFSET %s)"
                " OR rowid IN (SELECT rowid FROM monographs_search_fts"
                "   WHERE monographs_search_fts MATCH %s))"
            )
            candidate_params = [match, cap - 1, names_match]
        rows = self._rows(
            "SELECT d.slug, d.name, d.drug_class, d.reviewed_at, d.body, d.faqs"  # noqa: S608
            " FROM (SELECT rowid,"
            "  CASE WHEN rowid IN (SELECT rowid FROM monographs_search_fts"
            "    WHERE monographs_search_fts MATCH %s) THEN 0"
            "  WHEN rowid IN (SELECT rowid FROM monographs_search_fts"
            "    WHERE monographs_search_fts MATCH %s) THEN 1 ELSE 2 END AS tier,"
            f" bm25(monographs_search_fts, {self.weights}) AS score"
            "  FROM monographs_search_fts WHERE monographs_search_fts MATCH %s"
            + candidates
            + "  ORDER BY tier, score, rowid LIMIT %s OFFSET %s) AS ranked"
            " JOIN monographs_searchdocument d ON d.drug_id = ranked.rowid"
            " ORDER BY ranked.tier, ranked.score, ranked.rowid",
            [f"name : ({match})", names_match, match, *candidate_params, limit, offset],
        )
        words = query.words
        return [
            SearchHit(
                slug, name, drug_class, self._as_datetime(reviewed_at), snippet((body, faqs), words)
            )
            for slug, name, drug_class, reviewed_at, body, faqs in rows
        ]

    def similar_names(self, query: ParsedQuery) -> list[SearchHit]:
        """Names sharing most trigrams with the query (FTS5 trigram table), then scored."""
        text = " ".join(query.words)
        words = [word for word in query.words if len(word) >= 3]
        grams = sorted({word[i : i + 3] for word in words for i in range(len(word) - 2)})
        if not grams:
            return []
        placeholders = ", ".join(["%s"] * len(grams))
        candidates = self._rows(
            "SELECT d.slug, d.name, d.drug_class, d.reviewed_at, substr(d.body, 1, 600)"  # noqa: S608
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
                reviewed = self._as_datetime(reviewed_at)
                hit = SearchHit(slug, name, drug_class, reviewed, lead(opening))
                scored.append((-score, name, hit))
        scored.sort(key=lambda item: item[:2])
        return [hit for _, _, hit in scored[:FUZZY_LIMIT]]
