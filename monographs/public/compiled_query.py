"""Small read queries compiled to SQL once per process, then run with new arguments.

On the hottest public pages Django spends far longer turning a QuerySet into SQL than the
database spends answering it (an indexed lookup by slug runs in tens of microseconds). A
`CompiledQuery` is written as an ordinary `values()` / `values_list()` QuerySet; it is compiled
the first time it runs on a database alias, and later runs only swap in the arguments and apply
the same converters Django would. Only exact-match arguments are supported: each argument must
reach the SQL unchanged (no `LIKE` patterns, no lists).

The SQL is stored with named placeholders: Django's SQLite backend rewrites positional `%s`
placeholders with a regular expression on every execution (tens of microseconds for a query
of this size, as much as the query itself), named ones with a plain string format.
"""

import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass

from django.db import connections, router
from django.db.models import QuerySet

_sentinels = itertools.count(1)
_PLACEHOLDER = re.compile(r"%%|%s")


def _named_placeholders(sql: str) -> str:
    """`%s` placeholders become `%(p0)s`, `%(p1)s`, …; an escaped `%%` stays as it is."""
    numbers = itertools.count()

    def name(match: re.Match) -> str:
        return match.group() if match.group() == "%%" else f"%(p{next(numbers)})s"

    return _PLACEHOLDER.sub(name, sql)


@dataclass(frozen=True)
class _Compiled:
    sql: str
    params: tuple
    positions: tuple[tuple[int, str], ...]
    names: tuple[str, ...]
    converters: tuple


class CompiledQuery:
    """A values() QuerySet of `model` built by `build(**arguments)`, compiled once per alias."""

    def __init__(self, model, build: Callable[..., QuerySet], **argument_types: type):
        self.model = model
        self.build = build
        self.argument_types = argument_types
        self._compiled: dict[str, _Compiled] = {}

    def _sentinel(self, kind: type):
        number = next(_sentinels)
        if kind is int:
            return -(10**15) - number
        return f"\x00prepared-argument-{number}\x00"

    def _compile(self, using: str) -> _Compiled:
        sentinels = {name: self._sentinel(kind) for name, kind in self.argument_types.items()}
        queryset = self.build(**sentinels).using(using)
        query = queryset.query
        compiler = query.get_compiler(using)
        sql, params = compiler.as_sql()
        by_value = {value: name for name, value in sentinels.items()}
        positions = tuple(
            (index, by_value[param])
            for index, param in enumerate(params)
            if isinstance(param, (int, str)) and param in by_value
        )
        missing = set(sentinels) - {name for _index, name in positions}
        if missing:
            raise ValueError(f"Arguments {sorted(missing)} do not reach the SQL unchanged.")
        if query.selected:
            names = tuple(query.selected)
        else:
            names = (*query.extra_select, *query.values_select, *query.annotation_select)
        fields = [selected[0] for selected in compiler.select[: compiler.col_count]]
        converters = tuple(compiler.get_converters(fields).items())
        compiled = _Compiled(_named_placeholders(sql), tuple(params), positions, names, converters)
        self._compiled[using] = compiled
        return compiled

    def rows(self, **arguments) -> list[list]:
        """Run the query; one list of converted column values per row."""
        using = router.db_for_read(self.model)
        compiled = self._compiled.get(using) or self._compile(using)
        params = list(compiled.params)
        for index, name in compiled.positions:
            params[index] = arguments[name]
        named = {f"p{index}": value for index, value in enumerate(params)}
        connection = connections[using]
        with connection.cursor() as cursor:
            cursor.execute(compiled.sql, named)
            rows = [list(row) for row in cursor.fetchall()]
        for row in rows:
            for position, (converters, expression) in compiled.converters:
                value = row[position]
                for converter in converters:
                    value = converter(value, expression, connection)
                row[position] = value
        return rows

    def dicts(self, **arguments) -> list[dict]:
        """Run the query; one dict per row, keyed like `values()`."""
        using = router.db_for_read(self.model)
        names = (self._compiled.get(using) or self._compile(using)).names
        return [dict(zip(names, row, strict=True)) for row in self.rows(**arguments)]
