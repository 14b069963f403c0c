"""How the report writes its rates: a percentage on the page, a plain decimal in the CSV.

Rates are exact fractions until here and are rounded half up, so a rate reads the same on
the page, in the chart and (to more places) in the export. An undefined rate (nothing to
divide by) is "—" on the page and an empty cell in the CSV.
"""

from fractions import Fraction
from math import floor

NOT_APPLICABLE = "—"


def _rounded(value: Fraction, places: int) -> int:
    """`value` times 10**places, rounded half up to a whole number."""
    return floor(value * 10**places + Fraction(1, 2))


def percent(value: Fraction | None) -> str:
    """`Fraction(17, 20)` → "85.0%"; None → "—"."""
    if value is None:
        return NOT_APPLICABLE
    tenths = _rounded(value, 3)
    return f"{tenths // 10}.{tenths % 10}%"


def decimal(value: Fraction | None, places: int = 4) -> str:
    """`Fraction(17, 20)` → "0.8500"; None → "" (an empty cell)."""
    if value is None:
        return ""
    scaled = _rounded(value, places)
    return f"{scaled // 10**places}.{scaled % 10**places:0{places}d}"
