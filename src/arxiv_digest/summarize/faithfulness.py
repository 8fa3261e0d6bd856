"""A cheap faithfulness check: every number a summary states must occur in the text it was written from.

Numbers are compared by value, not spelling: "12.5%" = "12.5 %", "1,000" = "1000" = "10\\,000"/10 ..., a
LaTeX "93.2\\%" counts, "0.50" = "0.5". Scale words make "18 million" = "1800万" = "18M" (a Chinese summary
writes large numbers in 万 and 亿), and English number words in the source ("ten tasks") count as digits.
What is deliberately NOT flagged:
- single-digit integers without a decimal point or a percent sign ("3 datasets", "2 stages"): summaries
  count things the text spells out, and flagging those would only cost retries;
- a number the summary rounds from a more precise one in the source ("93%" for "93.2%");
- units: "12%" matches a "12" anywhere in the source. It is a check for invented numbers, not a proof.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from ..models import Summary

FIELDS = ("tldr", "motivation", "method", "result", "conclusion")

# 1,000,000 / 12.5 / .5 ; then an optional percent and scale word. Not inside a name ("Qwen2.5", "F1"),
# but right after Chinese characters ("在10个任务上"), which are word characters to a regex.
_NUMBER = re.compile(
    r"(?<![A-Za-z0-9_.])(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)"
    r"(?P<pct>\s*(?:%|percent\b|per cent\b))?"
    r"(?:\s*(?:多|余)?(?P<scale>thousand|million|billion|trillion|万|亿|千|百万|千万|[kKMB](?![a-zA-Z])))?"
)
_SCALES = {
    "thousand": 10**3, "k": 10**3, "K": 10**3, "千": 10**3, "万": 10**4, "million": 10**6, "M": 10**6,
    "百万": 10**6, "千万": 10**7, "亿": 10**8, "billion": 10**9, "B": 10**9, "trillion": 10**12,
}  # fmt: skip
_WORDS = {
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
    "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50,
    "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90, "hundred": 100, "thousand": 1000, "dozen": 12,
    "tenfold": 10, "hundredfold": 100,
}  # fmt: skip
# The lookahead on the words' first letters lets most word starts fail at once (half the time of a bare
# alternation over an abstract, which the check reads for every paper).
_WORD_RE = re.compile(
    r"\b(?=[" + "".join(sorted({w[0] for w in _WORDS})) + r"])(" + "|".join(_WORDS) + r")\b", re.IGNORECASE
)
# Digit groups written with thin or no-break spaces (10 000) or in LaTeX (1{,}000, 10\,000), and 93.2\%.
_FIXES = (
    (re.compile(r"(\d)[\u2009\u202f\u00a0](?=\d{3}\b)"), r"\1"),
    (re.compile(r"(\d)\{,\}(?=\d)"), r"\1,"),
    (re.compile(r"(\d)\\[,;:! ](?=\d)"), r"\1"),
    (re.compile(r"\\%"), "%"),
)


def _normalise(text: str) -> str:
    for pattern, repl in _FIXES:
        text = pattern.sub(repl, text)
    return unicodedata.normalize("NFKC", text)  # full-width digits and percent signs (１２．５％)


def _decimal(raw: str) -> Decimal | None:
    try:
        return Decimal(raw.replace(",", ""))
    except InvalidOperation:
        return None


def numbers(text: str) -> list[tuple[str, Decimal, Decimal | None, bool]]:
    """(as written, value, value times its scale word or None, checked?) for each number in `text`."""
    out = []
    for m in _NUMBER.finditer(_normalise(text)):
        value = _decimal(m.group("num"))
        if value is None:
            continue
        scale = m.group("scale")
        scaled = value * _SCALES[scale] if scale else None
        trivial = value == value.to_integral_value() and value < 10 and "." not in m.group("num") and not (
            m.group("pct") or scale)  # fmt: skip
        out.append((m.group(0).strip(), value, scaled, not trivial))
    return out


def source_values(text: str) -> set[Decimal]:
    """Every value the source states: numbers, scaled numbers, English number words."""
    values: set[Decimal] = set()
    for _, value, scaled, _ in numbers(text):
        values.add(value.normalize())
        if scaled is not None:
            values.add(scaled.normalize())
    for m in _WORD_RE.finditer(text):
        values.add(Decimal(_WORDS[m.group(1).lower()]))
    return values


def _places(d: Decimal) -> int:
    exp = d.normalize().as_tuple().exponent
    return -exp if isinstance(exp, int) and exp < 0 else 0


def _found(value: Decimal, scaled: Decimal | None, source: set[Decimal]) -> bool:
    if value.normalize() in source or (scaled is not None and scaled.normalize() in source):
        return True
    # rounded from a more precise source number: 93 for 93.2, 0.9 for 0.91
    places = _places(value)
    quantum = Decimal(1).scaleb(-places)
    return any(_places(s) > places and s.quantize(quantum, rounding=ROUND_HALF_UP) == value for s in source)


def unverified_numbers(summary: Summary, source_text: str) -> list[str]:
    """The numbers in the summary's fields that the source text does not state, as the summary wrote them."""
    source = source_values(source_text)
    missing: list[str] = []
    for f in FIELDS:
        for written, value, scaled, checked in numbers(getattr(summary, f)):
            if checked and not _found(value, scaled, source) and written not in missing:
                missing.append(written)
    return missing


def correction(missing: list[str]) -> str:
    """The message that sends an unfaithful summary back, naming what was invented."""
    listed = ", ".join(missing)
    verb = "does" if len(missing) == 1 else "do"
    return (
        f"Your summary states {listed}, which {verb} not occur in the paper's text you were given. Reply again "
        "with the same JSON object, using only numbers that the title, abstract or text state (or none)."
    )
