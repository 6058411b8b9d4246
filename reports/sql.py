"""The SQL the reports need beyond Django's own: seconds between two datetimes, and
continuous percentiles (`percentile_cont`), so every figure is computed in the database.

PostgreSQL has `percentile_cont(p) WITHIN GROUP (ORDER BY x)`. SQLite (the embedded default)
has no percentile, so the same aggregate is registered on each SQLite connection as
`percentile_cont(x, p)`, with PostgreSQL's definition: linear interpolation between the two
nearest values of the sorted, non-null inputs.
"""

import math

from django.db.models import Aggregate, F, FloatField, Func


class Seconds(Func):
    """`end - start` in seconds (a float); NULL when either is NULL."""

    output_field = FloatField()

    def __init__(self, end: str, start: str):
        super().__init__(F(end), F(start))

    def as_sql(self, compiler, connection, **extra):
        raise NotImplementedError(f"Seconds() is not implemented for {connection.vendor}")

    def as_postgresql(self, compiler, connection, **extra):
        return super().as_sql(
            compiler,
            connection,
            # date_part gives a float; EXTRACT gives a numeric, which sorts twice as slowly.
            template="date_part('epoch', %(expressions)s)",
            arg_joiner=" - ",
            **extra,
        )

    def as_sqlite(self, compiler, connection, **extra):
        # julianday() keeps milliseconds, which is all a report shows.
        return super().as_sql(
            compiler,
            connection,
            template="((julianday(%(expressions)s)) * 86400.0)",
            arg_joiner=") - julianday(",
            **extra,
        )


class Percentile(Aggregate):
    """The continuous percentile `fraction` (0..1) of the non-null values of `expression`."""

    function = "PERCENTILE_CONT"
    name = "Percentile"
    output_field = FloatField()

    def __init__(self, expression, fraction: float, **extra):
        fraction = float(fraction)
        if not 0 <= fraction <= 1:
            raise ValueError("fraction must be between 0 and 1")
        self.fraction = fraction
        super().__init__(expression, **extra)

    def as_postgresql(self, compiler, connection, **extra):
        template = "%(function)s(%(fraction)r) WITHIN GROUP (ORDER BY %(expressions)s)"
        return super().as_sql(
            compiler, connection, template=template, fraction=self.fraction, **extra
        )

    def as_sql(self, compiler, connection, **extra):
        # SQLite: percentile_cont(x, p), registered below.
        template = "%(function)s(%(expressions)s, %(fraction)r)"
        return super().as_sql(
            compiler, connection, template=template, fraction=self.fraction, **extra
        )


class _SQLitePercentile:
    """SQLite's `percentile_cont(x, p)`: collects the values, interpolates at the end."""

    def __init__(self):
        self.values: list[float] = []
        self.fraction = 0.5

    def step(self, value, fraction):
        if value is not None:
            self.values.append(float(value))
        self.fraction = fraction

    def finalize(self):
        return percentile_cont(self.values, self.fraction)


def percentile_cont(values: list[float], fraction: float) -> float | None:
    """PostgreSQL's percentile_cont over a list (None for no values)."""
    if not values:
        return None
    ordered = sorted(values)
    position = fraction * (len(ordered) - 1)
    low = math.floor(position)
    high = math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def register_sqlite_functions(sender, connection, **kwargs) -> None:
    if connection.vendor == "sqlite":
        connection.connection.create_aggregate("PERCENTILE_CONT", 2, _SQLitePercentile)
