"""Fixed statements for the reads the live path makes on every vote and every frame.

A read built through the ORM spends most of its CPU before the database sees it: the
queryset is built, its lookups resolved and its SQL compiled afresh each time (about half a
millisecond on the machines the benchmark runs on), where running the statement costs a
tenth of that. The room's hot reads (the workshop with its event and step on screen, a poll
with its step and options, the attendances a batch locks) run once per vote batch and once
per frame, so they are written here once, as SQL formatted from the models' own table and
column names, and their rows become model instances exactly as the ORM makes them: each
column through the same converters (`SQLCompiler.get_converters`), each instance through
`Model.from_db`, each joined row cached on its instance as `select_related` caches it.

Only reads with a fixed shape belong here. Everything else, and every write that is not a
plain insert, stays with the ORM.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connections
from django.db.models import Model, QuerySet
from django.db.models.sql import Query
from django.db.models.sql.compiler import SQLCompiler

Row = tuple[Any, ...]

# The widest integer a column holds (a bigint, on PostgreSQL and SQLite): a parameter beyond
# it (a forged id) matches no row, as the ORM's lookups treat it, instead of failing.
INTEGER_RANGE = (-(2**63), 2**63 - 1)


class _NoMatch(Exception):
    """A parameter no row can equal: the statement is not run."""


class Plain:
    """A statement of plain values (ids, counts, keys): `{Model}` stands for a model's quoted
    table name (formatted once per database), `%s` for a parameter and each `{list}` for an
    `IN (...)` list of the parameters given in `lists`."""

    def __init__(self, sql: str) -> None:
        self.sql = sql
        self._formatted: dict[str, str] = {}

    def formatted(self, using: str) -> str:
        if using not in self._formatted:
            quote = connections[using].ops.quote_name
            tables = {model.__name__: quote(model._meta.db_table) for model in _named(self.sql)}
            self._formatted[using] = self.sql.format_map(_Tables(tables))
        return self._formatted[using]

    def run(
        self, params: Sequence[Any], *, lists: Sequence[Sequence[Any]] = (), using: str = "default"
    ) -> list[Row]:
        try:
            sql, values = _filled(self.formatted(using), params, lists)
        except _NoMatch:
            return []
        with connections[using].cursor() as cursor:
            cursor.execute(sql, values)
            return list(cursor.fetchall())

    def execute(
        self, params: Sequence[Any], *, lists: Sequence[Sequence[Any]] = (), using: str = "default"
    ) -> None:
        """Run a statement that returns no rows (a DELETE, an UPDATE)."""
        try:
            sql, values = _filled(self.formatted(using), params, lists)
        except _NoMatch:
            return
        with connections[using].cursor() as cursor:
            cursor.execute(sql, values)


class Insert:
    """`INSERT INTO` a model's table of the `fields` named, one row per tuple of values, in
    one prepared statement run for each (`executemany`): each value prepared for the
    database as the ORM prepares it for a save. For rows whose new ids nobody reads."""

    def __init__(self, model: type[Model], fields: Sequence[str]) -> None:
        self.model = model
        self.fields: list[Any] = [model._meta.get_field(name) for name in fields]
        self._formatted: dict[str, str] = {}

    def formatted(self, using: str) -> str:
        if using not in self._formatted:
            quote = connections[using].ops.quote_name
            columns = ", ".join(quote(field.column) for field in self.fields)
            marks = ", ".join(["%s"] * len(self.fields))
            table = quote(self.model._meta.db_table)
            # Names from the models only; every value is a parameter.
            self._formatted[using] = f"INSERT INTO {table} ({columns}) VALUES ({marks})"  # noqa: S608
        return self._formatted[using]

    def run(self, rows: Sequence[Sequence[Any]], *, using: str = "default") -> None:
        if not rows:
            return
        connection = connections[using]
        prepared = [
            [
                field.get_db_prep_save(value, connection)
                for field, value in zip(self.fields, row, strict=True)
            ]
            for row in rows
        ]
        with connection.cursor() as cursor:
            run_each(cursor, self.formatted(using), prepared)


def run_each(cursor: Any, sql: str, rows: Sequence[Sequence[Any]]) -> None:
    """`sql` once for each row of parameters: `executemany` for several, a plain `execute`
    for one (psycopg carries `executemany` out in pipeline mode, whose set-up costs more than
    the statement when a quiet room's batch is a single vote)."""
    if len(rows) == 1:
        cursor.execute(sql, rows[0])
    elif rows:
        cursor.executemany(sql, rows)


class Statement:
    """`SELECT <every column of each part> <rest>`: each part a model under an alias; `rest`
    the FROM, WHERE and so on, written as for `Plain`. Rows come back as one instance per
    part (None for a part whose primary key is NULL: a LEFT JOIN that found nothing), each
    column converted as the ORM converts it."""

    def __init__(
        self, parts: Sequence[tuple[type[Model], str]], rest: str, *, head: Sequence[str] = ()
    ) -> None:
        self.parts = list(parts)
        self.rest = Plain(rest)
        # Plain values selected before the parts' columns (written as for `Plain`), returned
        # first in each row as they come.
        self.head = [Plain(expression) for expression in head]
        self.fields = [list(model._meta.concrete_fields) for model, _alias in self.parts]
        self.names = [[field.attname for field in fields] for fields in self.fields]
        self.keys = [[field.primary_key for field in fields].index(True) for fields in self.fields]
        self._prepared: dict[str, tuple[str, dict[int, Any], SQLCompiler]] = {}

    def _prepare(self, using: str) -> tuple[str, dict[int, Any], SQLCompiler]:
        if using not in self._prepared:
            connection = connections[using]
            quote = connection.ops.quote_name
            pairs = [
                (alias, field)
                for (_model, alias), fields in zip(self.parts, self.fields, strict=True)
                for field in fields
            ]
            columns = ", ".join(
                [expression.formatted(using) for expression in self.head]
                + [f"{quote(alias)}.{quote(field.column)}" for alias, field in pairs]
            )
            sql = f"SELECT {columns} {self.rest.formatted(using)}"
            compiler = SQLCompiler(Query(self.parts[0][0]), connection, using)
            converted = compiler.get_converters([field.get_col(alias) for alias, field in pairs])
            # Each converter at its column's place in the row, after the head's values.
            converters = {i + len(self.head): found for i, found in converted.items()}
            self._prepared[using] = (sql, converters, compiler)
        return self._prepared[using]

    def run(
        self, params: Sequence[Any], *, lists: Sequence[Sequence[Any]] = (), using: str = "default"
    ) -> list[tuple[Any, ...]]:
        prepared, converters, compiler = self._prepare(using)
        try:
            sql, values = _filled(prepared, params, lists)
        except _NoMatch:
            return []
        with connections[using].cursor() as cursor:
            cursor.execute(sql, values)
            rows: list[Row] = cursor.fetchall()
        if converters:
            rows = [tuple(row) for row in compiler.apply_converters(rows, converters)]
        return self._instances(rows, using)

    def _instances(self, rows: list[Row], using: str) -> list[tuple[Any, ...]]:
        """One instance per part and row; a part whose row repeats the row before (the
        "one" side of a join, on each of its "many" rows) is the same instance again."""
        made: list[tuple[Any, ...]] = []
        before: list[tuple[Any, Any]] = [(None, None)] * len(self.parts)
        for row in rows:
            instances: list[Any] = list(row[: len(self.head)])
            start = len(self.head)
            for i, ((model, _alias), names, key) in enumerate(
                zip(self.parts, self.names, self.keys, strict=True)
            ):
                values = row[start : start + len(names)]
                start += len(names)
                pk = values[key]
                if pk is None:
                    instances.append(None)
                elif before[i][0] == pk:
                    instances.append(before[i][1])
                else:
                    instance = model.from_db(using, names, values)
                    before[i] = (pk, instance)
                    instances.append(instance)
            made.append(tuple(instances))
        return made


def _filled(
    sql: str, params: Sequence[Any], lists: Sequence[Sequence[Any]]
) -> tuple[str, list[Any]]:
    """The statement with its lists' placeholders, and every parameter in order. Every
    parameter is matched for equality, so an integer out of `INTEGER_RANGE` matches nothing:
    left out of its list, or `_NoMatch` for a single one (or a list left empty)."""
    if not all(_storable(value) for value in params):
        raise _NoMatch
    values: list[Any] = list(params)
    for given in lists:
        if not given:
            raise ValueError("an empty IN list")
        items = [item for item in given if _storable(item)]
        if not items:
            raise _NoMatch
        sql = sql.replace("{list}", ", ".join(["%s"] * len(items)), 1)
        values += items
    return sql, values


def _storable(value: Any) -> bool:
    low, high = INTEGER_RANGE
    return not isinstance(value, int) or low <= value <= high


def cache_related(instance: Model, name: str, related: Model | None) -> None:
    """Cache `related` as `instance.<name>` (a forward relation), as `select_related` does."""
    instance._meta.get_field(name).set_cached_value(instance, related)  # type: ignore[union-attr]


def cache_many(instance: Model, name: str, related: list[Any]) -> None:
    """Cache `related` as `instance.<name>.all()` (a reverse foreign key), as
    `prefetch_related` does: the manager's `all()` then reads no rows."""
    relation: Any = instance._meta.get_field(name)
    queryset: QuerySet[Any] = QuerySet(model=relation.related_model)
    queryset._result_cache = related
    queryset._prefetch_done = True  # type: ignore[attr-defined]
    cache = instance.__dict__.setdefault("_prefetched_objects_cache", {})
    cache[relation.cache_name] = queryset


class _Tables(dict[str, str]):
    def __missing__(self, key: str) -> str:
        if key == "list":
            return "{list}"
        raise KeyError(key)


def _named(sql: str) -> set[type[Model]]:
    """The app's models that `sql` names as `{Name}`."""
    from django.apps import apps

    models = apps.get_app_config("workshops").get_models()
    return {model for model in models if "{" + model.__name__ + "}" in sql}
