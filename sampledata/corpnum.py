"""法人番号: valid numbers for entities and one-digit corruptions the check digit catches."""

from __future__ import annotations

import random

from stdnum.jp import cn


def new_corporate_number(rng: random.Random, taken: set[str]) -> str:
    """A fresh valid 13-digit number: check digit first, then the 12-digit base."""
    while True:
        base = f"{rng.randrange(10**12):012d}"
        number = cn.calc_check_digit(base) + base
        if number not in taken:
            taken.add(number)
            return number


def corrupt(number: str, rng: random.Random) -> str:
    """Change one digit so the check fails (a 0↔9 swap would still pass, so it is retried)."""
    while True:
        pos = rng.randrange(len(number))
        digit = str(rng.choice([d for d in range(10) if str(d) != number[pos]]))
        bad = number[:pos] + digit + number[pos + 1 :]
        if not cn.is_valid(bad):
            return bad
