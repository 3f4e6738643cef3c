"""Statements compiled once: ORM querysets for the hottest reads, built and compiled once per *shape*.

Building and compiling a queryset costs more Python than PostgreSQL spends answering a small indexed
query (docs/benchmarks.md "Issues"). A read whose SQL depends only on a few facts of the request —
which filters were sent, how many labels, the sort — is built with `Param` where the request's values
go, compiled once per shape in each process, and each later request runs the kept SQL with its own
values on its own connection. The ORM still writes every statement, and its compiler converts every
row (SQLite's datetimes and booleans) exactly as the queryset would.

The shape key must name everything the SQL depends on except the `Param` values. A first compilation
is always checked against a fresh one with the request's own values before it is kept; with
`KIZUNA_VERIFY_STATEMENTS` (on in the tests) every reuse is too, so a value missing from a key fails
the suite instead of serving another request's rows.

This leans on the compiler's internals (its row converters, `select_related` populators), so it is
pinned to the Django versions it was verified on (`VERIFIED_DJANGO`, system check kizuna.W002), and
`KIZUNA_COMPILED_STATEMENTS=false` runs each read as the plain queryset instead (`PlainStatement`).
"""

import contextvars
import copy
import datetime
import re
import threading
from collections import OrderedDict

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import BigIntegerField, CharField, DateTimeField, IntegerField, Value

# Django (major, minor) releases whose compiler tests/api/test_statements.py passed on.
VERIFIED_DJANGO = ((5, 2),)

MAX_STATEMENTS = 1024  # per process, least recently used evicted; each keeps SQL text and its select list

# (database alias, key) → Statement. Process-wide, not per connection: under ASGI every request gets
# its own connection objects. A kept statement holds its SQL, constant parameters and selected columns:
# no request's values (its Query, which holds the first request's, is dropped after compiling).
_statements: OrderedDict = OrderedDict()
_statements_lock = threading.Lock()

_compiling = contextvars.ContextVar("kizuna_compiling_statement", default=False)


class Param(Value):
    """A request's value in a statement: compiled once as a placeholder named `key`, bound per run.
    Outside a compilation (querysets run as usual) it is a plain `Value`."""

    def __init__(self, key, value, output_field=None):
        if value is None:
            # Value(None) compiles to NULL with no parameter: the kept SQL would have no slot for it
            # (`= NULL` matches nothing) and another request's value could not be bound.
            raise ValueError(f"Param {key!r} is None: filter with __isnull and name the case in the statement's key")
        super().__init__(value, output_field=output_field or _field_for(value))
        self.key = key

    def as_sql(self, compiler, connection):
        sql, params = super().as_sql(compiler, connection)
        if _compiling.get():
            if len(params) != 1:
                raise ValueError(f"Param {self.key!r} compiled to {sql!r} with {len(params)} parameters, not one")
            return sql, [_Slot(self.key, self._output_field_or_none)]
        return sql, params


class Literal(Value):
    """A code constant (`Status.PENDING`) written into the SQL text instead of bound as a parameter.

    PostgreSQL uses a partial index (`job_claimable`: `WHERE status = 'pending' AND runnable`) only when
    the query's own text implies its predicate. A bound value does so in a custom plan, but the generic
    plan a prepared statement settles on (KIZUNA_DB_PREPARE_THRESHOLD, server-side binding) cannot use
    the index and scans and sorts every matching row instead. Only plain identifiers are accepted: the
    value is never quoted, so it can never be anything but a word."""

    _WORD = re.compile(r"[a-z_]+\Z")

    def __init__(self, value: str):
        value = str(value)
        if not self._WORD.match(value):
            raise ValueError(f"Literal takes a lower-case word, not {value!r}")
        super().__init__(value, output_field=CharField())

    def as_sql(self, compiler, connection):
        return f"'{self.value}'", []


def _field_for(value):
    if isinstance(value, datetime.datetime):
        return DateTimeField()
    if isinstance(value, int):
        return BigIntegerField()
    return CharField()


class _Slot:
    __slots__ = ("key", "field", "integer_type")

    def __init__(self, key, field):
        self.key, self.field = key, field
        self.integer_type = field.get_internal_type() if isinstance(field, IntegerField) else None

    def prepare(self, value, connection):
        if self.integer_type and type(value) is int:
            # get_db_prep_value's last step, without its checks for what an int cannot be (a page binds
            # dozens): psycopg 3 gets its typed Int8/Int4 wrapper, other backends the int.
            return connection.ops.adapt_integerfield_value(value, self.integer_type)
        return self.field.get_db_prep_value(value, connection=connection)


class Statement:
    """One queryset compiled with `Param` slots; `rows()` and `bind()` fill them with a request's values
    and run on the calling thread's connection."""

    def __init__(self, queryset):
        token = _compiling.set(True)
        try:
            compiler = queryset.query.get_compiler(queryset.db)
            try:
                self.sql, params = compiler.as_sql()
            except EmptyResultSet:
                self.sql, params = None, ()  # nothing can match, whatever the values
        finally:
            _compiling.reset(token)
        self.using = queryset.db
        # Kept across requests: each run lends it the caller's connection. Its Query (the first
        # request's values, the whole filter tree) is not needed to convert rows.
        compiler.connection = None
        compiler.query = None
        self.compiler = compiler
        self.params = tuple(params)
        self.slots = [(i, p) for i, p in enumerate(self.params) if isinstance(p, _Slot)]
        self.converters = None  # the row converters, worked out on the first run (rows())
        self.populators = None  # instances()' columns and select_related populators (they hold no run's state)

    def bind(self, values: dict) -> list:
        connection = connections[self.using]
        params = list(self.params)
        for i, slot in self.slots:
            params[i] = slot.prepare(values[slot.key], connection)
        return params

    def sql_with_params(self, values: dict):
        """(SQL, parameters) with `values` bound, as `Query.sql_with_params()`; None when nothing can match."""
        return None if self.sql is None else (self.sql, self.bind(values))

    def rows(self, values: dict, limit: int | None = None, offset: int = 0, wrap=None) -> list[tuple]:
        """The rows as `values_list` would return them (`limit`/`offset`: a slice of an ordered statement).

        `wrap(sql, params) -> (sql, params)` runs the statement inside a larger one (a data-modifying
        `WITH`) that returns this statement's columns first, in order; columns it adds after them are
        returned unconverted at the end of each row."""
        if self.sql is None:
            return []
        sql, params = self.sql, self.bind(values)
        if limit is not None:
            sql, params = f"{sql} LIMIT %s OFFSET %s", (*params, limit, offset)
        if wrap is not None:
            if self.compiler.has_extra_select:
                raise TypeError("a wrapped statement must select only its model's columns")
            sql, params = wrap(sql, params)
        connection = connections[self.using]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            fetched = cursor.fetchall()
        if self.compiler.has_extra_select:  # ordering columns outside the select, as the ORM drops them
            fetched = [row[: self.compiler.col_count] for row in fetched]
        compiler = copy.copy(self.compiler)  # its row converters, with this run's connection
        compiler.connection = connection
        if self.converters is None:
            # What results_iter() would work out on every run (a lookup per column per backend and
            # field, ~5 % of a token-authenticated request): the same for every run of this SQL. A
            # composite field's rows need results_iter's regrouping, so those keep taking that path.
            fields = [column[0] for column in compiler.select[: compiler.col_count]]
            self.converters = False if compiler.has_composite_fields(fields) else compiler.get_converters(fields)
        if self.converters is False:
            return list(compiler.results_iter(results=[fetched], tuple_expected=True))
        if not self.converters:
            return [tuple(row) for row in fetched]
        return [tuple(row) for row in compiler.apply_converters(fetched, self.converters)]

    def execute(self, values: dict) -> int:
        """Run a compiled `Update` with `values` bound: the number of rows it changed."""
        if not self.sql:  # nothing can match, or nothing to set
            return 0
        with connections[self.using].cursor() as cursor:
            cursor.execute(self.sql, self.bind(values))
            return cursor.rowcount

    def instances(self, values: dict, limit: int | None = None, offset: int = 0) -> list:
        """The rows as model instances, `select_related()` relations attached, as the queryset's own
        iteration builds them (no annotations; prefetch_related is the caller's business); `limit`/`offset`
        as for rows()."""
        if self.compiler.annotation_col_map:
            raise TypeError("Statement.instances() does not set annotations")
        return self.build(self.rows(values, limit, offset))

    def build(self, rows: list[tuple]) -> list:
        """`rows()`' rows as model instances, as instances() returns them."""
        from django.db.models.query import get_related_populators

        if not rows:
            return []
        klass_info, db = self.compiler.klass_info, self.using
        if self.populators is None:  # what the queryset's iterator works out on every run
            select, fields = self.compiler.select, klass_info["select_fields"]
            start, end = fields[0], fields[-1] + 1
            names = [column[0].target.attname for column in select[start:end]]
            self.populators = (start, end, names, get_related_populators(klass_info, select, db))
        start, end, names, populators = self.populators
        model = klass_info["model"]
        out = []
        for row in rows:
            obj = model.from_db(db, names, row[start:end])
            for populator in populators:
                populator.populate(row, obj)
            out.append(obj)
        return out

    def column(self, attname: str) -> int:
        """The position in a row of the statement's model's own column `attname`."""
        fields = self.compiler.klass_info["select_fields"]
        for i in fields:
            if self.compiler.select[i][0].target.attname == attname:
                return i
        raise LookupError(f"{attname!r} is not among the statement's columns")

    @property
    def width(self) -> int:
        """How many columns a row of the statement has."""
        return self.compiler.col_count

    def verify(self, queryset, values: dict, key) -> None:
        """Compare with a fresh compilation of `queryset` (built with `values`): same SQL, same parameters."""
        try:
            fresh = queryset.query.get_compiler(queryset.db).as_sql()
        except EmptyResultSet:
            fresh = (None, ())
        kept = (self.sql, tuple(self.bind(values)) if self.sql is not None else ())
        if (fresh[0], tuple(fresh[1])) != kept:
            raise AssertionError(f"compiled statement {key!r} differs from a fresh compilation: its key misses a "
                                 f"value the SQL depends on, or a Param does not bind as compiled\n kept: {kept}\n"
                                 f"fresh: {fresh}")


class PlainStatement:
    """`Statement`'s interface over the queryset itself, built for one request and run by the ORM as
    usual (KIZUNA_COMPILED_STATEMENTS off): nothing compiled ahead, nothing kept."""

    def __init__(self, queryset):
        self.queryset = queryset
        self.using = queryset.db

    def sql_with_params(self, values: dict):
        try:
            return self.queryset.query.sql_with_params()
        except EmptyResultSet:
            return None

    def rows(self, values: dict, limit: int | None = None, offset: int = 0) -> list[tuple]:
        return list(self.queryset if limit is None else self.queryset[offset : offset + limit])

    def instances(self, values: dict, limit: int | None = None, offset: int = 0) -> list:
        return self.rows(values, limit, offset)

    def execute(self, values: dict) -> int:
        from django.db.models.sql.constants import ROW_COUNT

        return self.queryset.query.get_compiler(self.using).execute_sql(ROW_COUNT)


class Update:
    """`queryset.update(**changes)` built but not run, for `statement()` to compile once per shape and
    `execute()` per request: the changes' request values as `Param`s (a foreign key's with its target
    field as the output field). `QuerySet.update()` builds the same UpdateQuery each time it runs."""

    def __init__(self, queryset, **changes):
        from django.db.models.sql import UpdateQuery

        if queryset.query.is_sliced or queryset.query.order_by or queryset.query.annotations:
            raise TypeError("Update() takes a plain filtered queryset")
        self.db = queryset.db
        self.query = queryset.query.chain(UpdateQuery)
        self.query.add_update_values(changes)
        self.query.clear_select_clause()


def statement(key, build, values: dict, using: str = DEFAULT_DB_ALIAS) -> Statement | PlainStatement:
    """The statement for `key`, compiled from `build()` on its first use in this process (and checked
    against a fresh compilation before it is kept), or `build()` as it is with KIZUNA_COMPILED_STATEMENTS off.

    `values` are this request's `Param` values. `build()` must read from `using` (the project has one
    database; a read router would make this fail loudly, not silently)."""
    if not settings.KIZUNA_COMPILED_STATEMENTS:
        return PlainStatement(build())
    cache_key = (using, key)
    with _statements_lock:
        compiled = _statements.get(cache_key)
        if compiled is not None:
            _statements.move_to_end(cache_key)
    if compiled is None:
        queryset = build()
        compiled = Statement(queryset)
        if compiled.using != using:
            raise AssertionError(f"statement {key!r} was built for database {compiled.using!r}, not {using!r}")
        compiled.verify(queryset, values, key)  # once per shape and process: never keep SQL that binds wrong
        with _statements_lock:
            _statements[cache_key] = compiled
            while len(_statements) > MAX_STATEMENTS:
                _statements.popitem(last=False)
    elif settings.KIZUNA_VERIFY_STATEMENTS:
        compiled.verify(build(), values, key)
    return compiled


# --- inserts --------------------------------------------------------------------------------------------
# (database alias, model) → the ORM's SQL for a one-row INSERT of that model. Building and compiling an
# InsertQuery per row cost more Python than PostgreSQL spends on the row (a job claim writes two: its
# token and its event); a one-row INSERT's SQL depends only on the model, its values are bound per row.
_inserts: dict = {}


_fields_of: dict = {}  # model → _insert_fields(), worked out once


def _insert_fields(meta) -> list:
    """The columns a one-row INSERT of a new `meta.model` writes, as Model.save() picks them; a model
    that save() would treat differently (parents, ordering, generated or database-default columns, a
    primary key it does not generate) is refused rather than half supported."""
    fields = _fields_of.get(meta.model)
    if fields is None:
        fields = _fields_of[meta.model] = _writable_fields(meta)
    return fields


def _writable_fields(meta) -> list:
    if meta.parents or meta.order_with_respect_to or meta.auto_field is None or meta.pk is not meta.auto_field:
        raise TypeError(f"insert() takes models with an automatic primary key and no parents, not {meta.label}")
    fields = [f for f in meta.local_concrete_fields if f is not meta.auto_field]
    if any(f.generated or f.has_db_default() for f in fields) or list(meta.db_returning_fields) != [meta.auto_field]:
        raise TypeError(f"insert() cannot write {meta.label} the way save() does")
    return fields


def insert(obj, using: str = DEFAULT_DB_ALIAS):
    """Save the new model instance `obj` as `obj.save(force_insert=True)` does — field `pre_save` and
    `get_db_prep_save`, both signals, one `INSERT … RETURNING` its primary key — with the ORM's SQL
    compiled once per model in each process, for the hottest writes (the event log, job tokens). A row
    holding an expression, and every row with `KIZUNA_COMPILED_STATEMENTS=false`, is saved by the ORM."""
    insert_returning(obj, None, using)
    return obj


def insert_returning(obj, also, using: str = DEFAULT_DB_ALIAS):
    """insert(), and one more value the same statement returns: `also` is (SQL, parameters) of a scalar
    expression — a sub-select the caller would otherwise run as a statement of its own (the event log
    asks whether the event's owners have webhooks). The value; None when the ORM saved the row (then
    nothing else ran: the caller asks on its own)."""
    from django.db.models.signals import post_save, pre_save

    model, meta = type(obj), obj._meta
    if not obj._state.adding or getattr(obj, meta.pk.attname) is not None:
        raise ValueError("insert() saves new instances only")
    fields = _insert_fields(meta)
    if not settings.KIZUNA_COMPILED_STATEMENTS or any(
            hasattr(getattr(obj, f.attname), "resolve_expression") for f in fields):
        obj.save(force_insert=True, using=using)
        return None
    connection = connections[using]
    pre_save.send(sender=model, instance=obj, raw=False, using=using, update_fields=None)
    sql = _inserts.get((using, model))
    if sql is None:  # before this row's pre_save: compiling runs it too (an auto_now field would move)
        sql = _inserts[(using, model)] = _insert_sql(obj, fields, connection)
    values = [field.pre_save(obj, True) for field in fields]
    params = [field.get_db_prep_save(value, connection=connection) for field, value in zip(fields, values)]
    if also is not None:
        sql, params = f"{sql}, ({also[0]})", [*params, *also[1]]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        returned = cursor.fetchone()
    setattr(obj, meta.pk.attname, returned[0])
    obj._state.adding, obj._state.db = False, using
    post_save.send(sender=model, instance=obj, created=True, update_fields=None, raw=False, using=using)
    return returned[1] if also is not None else None


def _insert_sql(obj, fields, connection) -> str:
    """The ORM's own SQL for inserting `obj` and returning its primary key, checked to bind exactly one
    value per column (what lets another row's values take their places)."""
    from django.db.models.sql import InsertQuery

    meta = obj._meta
    query = InsertQuery(type(obj))
    query.insert_values(fields, [obj])
    compiler = query.get_compiler(connection=connection)
    compiler.returning_fields = [meta.auto_field]
    (sql, params), = compiler.as_sql()
    placeholders = sql.partition(" VALUES ")[2].partition(")")[0]
    if len(params) != len(fields) or placeholders.replace(" ", "") != "(" + ",".join(["%s"] * len(fields)):
        raise AssertionError(f"insert(): the ORM's INSERT for {meta.label} is not one placeholder per column: {sql}")
    return sql


def insert_select(obj, source: str, derived: dict, using: str = DEFAULT_DB_ALIAS) -> tuple[str, list]:
    """(SQL, parameters) that insert the new instance `obj` as insert() would, with the columns named in
    `derived` ({attname: (SQL over `source`, its parameters)}) computed from `source` — a `WITH` query of
    the statement the caller runs it in: `INSERT INTO … SELECT … FROM source RETURNING` the primary key.
    Fields' `pre_save` and the pre_save signal run here, before the statement — which writes nothing when
    `source` is empty (a claim that finds no job); the caller hands a returned key to `inserted()`, which
    sends post_save. Used where one statement picks a row and writes what depends on it (a job claim)."""
    from django.db.models.signals import pre_save

    model, meta = type(obj), obj._meta
    if not obj._state.adding or getattr(obj, meta.pk.attname) is not None:
        raise ValueError("insert_select() saves new instances only")
    fields = _insert_fields(meta)
    unknown = set(derived) - {f.attname for f in fields}
    if unknown:
        raise ValueError(f"insert_select(): {sorted(unknown)} are not columns of {meta.label}")
    connection = connections[using]
    pre_save.send(sender=model, instance=obj, raw=False, using=using, update_fields=None)
    key = (using, model, source, tuple((name, sql) for name, (sql, _) in sorted(derived.items())))
    sql = _inserts.get(key)
    if sql is None:
        quote = connection.ops.quote_name
        # Each bound value cast to its column's type: in INSERT … SELECT a parameter takes its type from
        # the SELECT list, not from the column it lands in (an untyped NULL would be text).
        columns = [derived[f.attname][0] if f.attname in derived else f"CAST(%s AS {_cast_type(f, connection)})"
                   for f in fields]
        sql = _inserts[key] = (
            f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) "
            f"SELECT {', '.join(columns)} FROM {source} RETURNING {quote(meta.db_table)}.{quote(meta.pk.column)}")
    params = []
    for field in fields:
        if field.attname in derived:
            params.extend(derived[field.attname][1])
            field.pre_save(obj, True)
        else:
            params.append(field.get_db_prep_save(field.pre_save(obj, True), connection=connection))
    return sql, params


def _cast_type(field, connection) -> str:
    """The type a bound value is cast to in insert_select(): the column's, but text without its length —
    an explicit cast to varchar(n) would cut a longer value silently, where the INSERT's own assignment
    to the column refuses it, as insert() would."""
    if isinstance(field, CharField):
        return connection.ops.cast_char_field_without_max_length
    return field.cast_db_type(connection)


def inserted(obj, pk, using: str = DEFAULT_DB_ALIAS):
    """`obj`, written by an `insert_select()` that returned `pk`: saved as insert() leaves an instance."""
    from django.db.models.signals import post_save

    setattr(obj, obj._meta.pk.attname, pk)
    obj._state.adding, obj._state.db = False, using
    post_save.send(sender=type(obj), instance=obj, created=True, update_fields=None, raw=False, using=using)
    return obj
