"""Quantities in news text: counts, money, percentages, dates, times, durations, measures, ordinals.

`extract_quantities(text)` is rule-based and deterministic. Every `Quantity` carries exact
character offsets: ``text[q.start:q.end] == q.text``. Numbers written as words ("four hundred and
twenty-two", "a dozen", "hundreds") are read; vague plurals ("hundreds") are approximate.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Literal


def words(text: str) -> tuple[str, ...]:
    """The whitespace-separated words of a literal word list."""
    return tuple(text.split())


_UNITS = words(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
    "sixteen seventeen eighteen nineteen"
)
_TENS = ["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
_SMALL = {w: i for i, w in enumerate(_UNITS)} | {w: 20 + 10 * i for i, w in enumerate(_TENS)}
_MULT = {"hundred": 100, "thousand": 1000, "million": 10**6, "billion": 10**9, "trillion": 10**12}
ORDINAL_WORDS = {
    w: i + 1
    for i, w in enumerate(
        [
            "first",
            "second",
            "third",
            "fourth",
            "fifth",
            "sixth",
            "seventh",
            "eighth",
            "ninth",
            "tenth",
            "eleventh",
            "twelfth",
        ]
    )
} | {"twentieth": 20, "thirtieth": 30, "fiftieth": 50, "hundredth": 100}
MONTHS = {
    m: i + 1
    for i, m in enumerate(
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
    )
}
WEEKDAYS = {d: i + 1 for i, d in enumerate(["mon", "tue", "wed", "thu", "fri", "sat", "sun"])}
DURATION_DAYS = {
    "second": 1 / 86400,
    "minute": 1 / 1440,
    "hour": 1 / 24,
    "day": 1.0,
    "week": 7.0,
    "fortnight": 14.0,
    "month": 30.4,
    "year": 365.25,
    "decade": 3652.5,
    "century": 36525.0,
}
MEASURE_UNITS: dict[str, tuple[str, float]] = {
    "km": ("m", 1000.0),
    "kilometers": ("m", 1000.0),
    "kilometres": ("m", 1000.0),
    "kilometer": ("m", 1000.0),
    "kilometre": ("m", 1000.0),
    "miles": ("m", 1609.34),
    "mile": ("m", 1609.34),
    "meters": ("m", 1.0),
    "metres": ("m", 1.0),
    "meter": ("m", 1.0),
    "metre": ("m", 1.0),
    "m": ("m", 1.0),
    "feet": ("m", 0.3048),
    "ft": ("m", 0.3048),
    "foot": ("m", 0.3048),
    "yards": ("m", 0.9144),
    "inches": ("m", 0.0254),
    "kg": ("kg", 1.0),
    "kilograms": ("kg", 1.0),
    "kilos": ("kg", 1.0),
    "tons": ("kg", 1000.0),
    "tonnes": ("kg", 1000.0),
    "pounds-weight": ("kg", 0.4536),
    "lbs": ("kg", 0.4536),
    "acres": ("m2", 4046.86),
    "hectares": ("m2", 10_000.0),
    "degrees": ("deg", 1.0),
    "mph": ("km/h", 1.609),
    "km/h": ("km/h", 1.0),
    "barrels": ("barrel", 1.0),
    "gallons": ("l", 3.785),
    "liters": ("l", 1.0),
    "litres": ("l", 1.0),
}


def parse_number_words(phrase: str) -> float | None:
    """ "four hundred and twenty-two" -> 422.0, "a dozen" -> 12.0, "half" -> 0.5; else None."""
    tokens = [t for t in re.split(r"[\s-]+", phrase.lower()) if t and t != "and"]
    if not tokens or tokens == ["a"]:
        return None
    total, current, seen = 0.0, 0.0, False
    for part in tokens:
        if part == "a":
            current = max(current, 1.0) if not seen else current
            continue
        if part in _SMALL:
            current += _SMALL[part]
        elif part == "dozen":
            current = max(current, 1.0) * 12
        elif part == "half":
            current += 0.5
        elif part == "hundred":
            current = max(current, 1.0) * 100
        elif part in _MULT:
            total += max(current, 1.0) * _MULT[part]
            current = 0.0
        else:
            return None
        seen = True
    return total + current if seen else None


QuantityKind = Literal[
    "count", "money", "percent", "date", "year", "time", "duration", "age", "measure", "ordinal"
]

_APPROX = (
    "about|around|approximately|roughly|nearly|almost|some|an estimated|estimated|close to|"
    "more than|over|at least|fewer than|less than|up to|under|just over|just under|"
    "upwards of|as many as|as few as|as much as|well over|in excess of|circa|approx\\.?"
)
_SCALE = {
    "thousand": 1e3,
    "k": 1e3,
    "million": 1e6,
    "m": 1e6,
    "mn": 1e6,
    "mln": 1e6,
    "billion": 1e9,
    "bn": 1e9,
    "b": 1e9,
    "trillion": 1e12,
    "tn": 1e12,
}
_CURRENCY_SYMBOL = {
    "$": "USD",
    "us$": "USD",
    "€": "EUR",
    "£": "GBP",
    "¥": "JPY",
    "c$": "CAD",
    "a$": "AUD",
    "hk$": "HKD",
    "₹": "INR",
    "rs": "INR",
}
_CURRENCY_WORD = {
    "dollar": "USD",
    "dollars": "USD",
    "usd": "USD",
    "euro": "EUR",
    "euros": "EUR",
    "eur": "EUR",
    "pound": "GBP",
    "pounds": "GBP",
    "sterling": "GBP",
    "gbp": "GBP",
    "yen": "JPY",
    "yuan": "CNY",
    "renminbi": "CNY",
    "rupees": "INR",
    "rupee": "INR",
    "francs": "CHF",
    "franc": "CHF",
    "shekels": "ILS",
    "rubles": "RUB",
    "roubles": "RUB",
    "cents": "USD-cent",
}

_NUM = (
    r"\d+\s\d/\d{1,2}(?!\d)|\d/\d{1,2}(?![\d/])|\d{1,3}(?:,\d{3})+(?:\.\d+)?"
    r"|\d{1,3}(?: \d{3})+(?![\d,.]\d)|\d{1,3}(?:, \d{3})+(?![\d,.]\d)|\d+(?:\.\d+)?|\.\d+"
)
# A calibre names a kind of weapon, not an amount: ".38 caliber", ".357 magnum", "9mm".
_DESIGNATION = re.compile(r"\s*-?\s*(?:caliber|calibre|magnum|mm)\b", re.I)
_WORDNUM = (
    r"(?:(?:zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|"
    r"fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|"
    r"seventy|eighty|ninety|hundred|thousand|million|billion|trillion|dozen|half|a)"
    r"(?:[\s-]+(?:and[\s-]+)?)?)+"
)
_SCALE_RE = r"(?:(?:\s*|-)(?:thousand|million|billion|trillion|mln|mn|bn|tn|[kmb])\b)?"
_MONTH_RE = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)

_DATE_MDY = re.compile(
    rf"\b(?P<month>{_MONTH_RE})\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?(?:,?\s+(?P<year>\d{{4}}))?\b",
    re.I,
)
_DATE_DMY = re.compile(
    rf"\b(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<month>{_MONTH_RE})(?:,?\s+(?P<year>\d{{4}}))?\b",
    re.I,
)
_DATE_MY = re.compile(rf"\b(?P<month>{_MONTH_RE})\s+(?P<year>\d{{4}})\b", re.I)
_DATE_NUMERIC = re.compile(r"\b(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})\b")
_WEEKDAY = re.compile(r"\b(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b", re.I)
_TIME = re.compile(
    r"\b(?P<h>\d{1,2})(?::(?P<m>\d{2}))?\s*(?P<ampm>[ap]\.?\s?m\.?)(?![a-z])|\b(?P<h24>\d{1,2}):(?P<m24>\d{2})\b",
    re.I,
)
_ORDINAL_DIGIT = re.compile(r"\b(?P<n>\d+)(?:st|nd|rd|th)\b", re.I)
_ORDINAL_WORD = re.compile(
    r"\b(?:the|its|his|her|their|a|for)\s+(?P<w>"
    + "|".join(sorted(ORDINAL_WORDS, key=len, reverse=True))
    + r")\b",
    re.I,
)

_NUMBER = re.compile(
    rf"(?P<approx>\b(?:{_APPROX})\s+)?"
    rf"(?P<cur>(?:US|C|A|HK)?\$|€|£|¥|₹|\bRs\.?\s?)?\s?"
    rf"(?:(?P<digits>(?<![\w.])(?:{_NUM}))(?P<scale>{_SCALE_RE})"
    rf"(?:\s*(?:-|–|to|and)\s*(?P<cur2>\$|€|£)?(?P<digits2>{_NUM})(?P<scale2>{_SCALE_RE}))?"
    rf"|(?P<words>\b{_WORDNUM}\b))",
    re.I,
)
_VAGUE = re.compile(
    r"\b(?P<approx>(?:several|many|a few|tens of|hundreds of|thousands of)\s+)?"
    r"(?P<w>dozens|scores|hundreds|thousands|millions|billions|tens of thousands|"
    r"hundreds of thousands)\b",
    re.I,
)
_VAGUE_RANGE = {
    "dozens": (24.0, 199.0),
    "scores": (40.0, 199.0),
    "hundreds": (200.0, 999.0),
    "thousands": (2000.0, 9999.0),
    "tens of thousands": (20_000.0, 99_999.0),
    "hundreds of thousands": (200_000.0, 999_999.0),
    "millions": (2e6, 999e6),
    "billions": (2e9, 999e9),
}
_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*")
_STOP_HEAD = frozenset(
    words(
        "a an the of and or to in on at by for from with as than that which who were was are is be "
        "been being have has had will would could should may might can do did does not no more "
        "less per each percent cent over about around nearly some this it they he she we you i "
        "there here when while after before since until during against among between into through "
        "up down out off said say says told also still already now then just even only yet "
        "overnight today yesterday tonight ago earlier later so far"
    )
)
_DETERMINERS = frozenset(words("their his her its our my your them those these the"))
_PERCENT_AFTER = re.compile(r"\s*(?:%|per\s?cent\b|percentage points?\b|pct\b)", re.I)
_UNIT_AFTER = re.compile(r"\s*(?:-|\s)?(?P<unit>[A-Za-z]+)")
_PLANNED = re.compile(
    r"\b(?:to be|will|would|plan(?:s|ned)?|expected|intend(?:s|ed)?|aim(?:s|ed)?|scheduled|"
    r"could|may|might|set to|going to|were to|was to|proposed|target(?:s|ed)?)\b",
    re.I,
)


@dataclass(frozen=True, slots=True)
class Quantity:
    """One quantity mention. `value` is the low end of a range and `high` its top (else None).

    `unit` is a currency code for money, a base unit for durations ("day"), measures ("km") and
    ages ("year"), and "" otherwise. Dates use `value = year*10000 + month*100 + day` with unknown
    parts 0; `date_parts` keeps which are known. `head` is the lower-case singular head word of
    what is counted ("person", "member"), "" where none was found. `resolution` is half a unit
    of the last digit shown ("1.8 billion": 0.05e9), so rounding is never taken for a difference.
    """

    kind: QuantityKind
    value: float
    high: float | None
    unit: str
    head: str
    approximate: bool
    start: int
    end: int
    text: str
    date_parts: tuple[int, int, int] = (0, 0, 0)
    resolution: float = 0.0

    def overlaps(
        self, low: float, high: float | None, *, tolerance: float = 0.0, resolution: float = 0.0
    ) -> bool:
        """Whether this value (or range) meets `[low, high]`, widened by a relative tolerance
        and by the rounding `resolution` of either side."""
        mine_hi = self.high if self.high is not None else self.value
        other_hi = high if high is not None else low
        slack = tolerance * max(abs(self.value), abs(mine_hi), abs(low), abs(other_hi), 1e-9)
        slack = max(slack, self.resolution, resolution)
        return self.value - slack <= other_hi and low - slack <= mine_hi


def singular(word: str) -> str:
    """A crude lower-case singular: enough to match "members"/"member", "people"/"person"."""
    w = word.lower().strip("'’")
    irregular = {
        "people": "person",
        "children": "child",
        "men": "man",
        "women": "woman",
        "lives": "life",
        "police": "police",
        "staff": "staff",
        "news": "news",
    }
    if w in irregular:
        return irregular[w]
    if len(w) > 4 and w.endswith("ies"):
        return w[:-3] + "y"
    if len(w) > 4 and w.endswith(("ches", "shes", "sses", "xes")):
        return w[:-2]
    if len(w) > 3 and w.endswith("s") and not w.endswith(("ss", "us", "is")):
        return w[:-1]
    return w


def _to_float(digits: str) -> float:
    """ "1,250" -> 1250.0, "80 937" -> 80937.0, "2, 029" -> 2029.0 (groups an extractor
    spaced), "5 1/2" -> 5.5, "3/4" -> 0.75."""
    if "/" in digits:
        whole, _, frac = digits.rpartition(" ")
        num, den = frac.split("/")
        return (float(whole) if whole else 0.0) + float(num) / max(float(den), 1.0)
    return float(digits.replace(",", "").replace(" ", ""))


def _scale(raw: str | None) -> float:
    key = (raw or "").strip(" -").lower()
    return _SCALE.get(key, 1.0)


def _head_after(text: str, pos: int) -> str:
    """The counted noun after `pos`: the last word of a short run of non-stop words."""
    rest = text[pos : pos + 80]
    of_skip = re.match(r"\s+of\s+(?:the\s+|those\s+)?", rest)
    if of_skip:
        rest = rest[of_skip.end() - 1 :]
    run: list[str] = []
    last_end = 0
    for match in _WORD.finditer(rest):
        if rest[last_end : match.start()].strip(" -"):
            break
        last_end = match.end()
        low = match.group(0).lower()
        if not run and (low.endswith("ed") or low in _DETERMINERS):
            continue
        if low in _STOP_HEAD or low.endswith(("ed", "ly")) or low in MEASURE_UNITS:
            break
        run.append(low)
        if len(run) == 3:
            break
    plural = [w for w in run if _looks_plural(w)]
    return singular(plural[0] if plural else run[0]) if run else ""


def _looks_plural(word: str) -> bool:
    if word in ("people", "men", "women", "children", "police", "staff", "troops", "feet"):
        return True
    return len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is"))


def _overlapping(spans: list[tuple[int, int]], start: int, end: int) -> bool:
    return any(s < end and start < e for s, e in spans)


def _dates(text: str, taken: list[tuple[int, int]]) -> list[Quantity]:
    found: list[Quantity] = []
    for pattern in (_DATE_NUMERIC, _DATE_MDY, _DATE_DMY, _DATE_MY):
        for m in pattern.finditer(text):
            if _overlapping(taken, m.start(), m.end()):
                continue
            groups = m.groupdict()
            month_raw = groups.get("month") or ""
            month = int(month_raw) if month_raw.isdigit() else MONTHS.get(month_raw[:3].lower(), 0)
            day = int(groups["day"]) if groups.get("day") else 0
            year = int(groups["year"]) if groups.get("year") else 0
            if (
                not month
                or day > 31
                or (month_raw.lower() in ("may", "march") and not (day or year))
            ):
                continue
            if month_raw.lower() == "may" and not year and pattern is _DATE_DMY:
                continue
            parts = (year, month, day)
            found.append(
                Quantity(
                    "date",
                    float(year * 10000 + month * 100 + day),
                    None,
                    "",
                    "",
                    False,
                    m.start(),
                    m.end(),
                    m.group(0),
                    parts,
                )
            )
            taken.append((m.start(), m.end()))
    for m in _WEEKDAY.finditer(text):
        if not _overlapping(taken, m.start(), m.end()):
            wd = WEEKDAYS[m.group(0)[:3].lower()]
            found.append(
                Quantity(
                    "date", float(-wd), None, "weekday", "", False, m.start(), m.end(), m.group(0)
                )
            )
            taken.append((m.start(), m.end()))
    return found


def _times(text: str, taken: list[tuple[int, int]]) -> list[Quantity]:
    found: list[Quantity] = []
    for m in _TIME.finditer(text):
        if _overlapping(taken, m.start(), m.end()):
            continue
        if m.group("h") is not None:
            hour = int(m.group("h")) % 12 + (12 if m.group("ampm").lower().startswith("p") else 0)
            minute = int(m.group("m") or 0)
        else:
            hour, minute = int(m.group("h24")), int(m.group("m24"))
            if hour > 23 or minute > 59:
                continue
        found.append(
            Quantity(
                "time", hour + minute / 60, None, "", "", False, m.start(), m.end(), m.group(0)
            )
        )
        taken.append((m.start(), m.end()))
    return found


def _ordinals(text: str, taken: list[tuple[int, int]]) -> list[Quantity]:
    found: list[Quantity] = []
    for m in _ORDINAL_DIGIT.finditer(text):
        if not _overlapping(taken, m.start(), m.end()):
            found.append(
                Quantity(
                    "ordinal",
                    float(m.group("n")),
                    None,
                    "",
                    _head_after(text, m.end()),
                    False,
                    m.start(),
                    m.end(),
                    m.group(0),
                )
            )
            taken.append((m.start(), m.end()))
    for m in _ORDINAL_WORD.finditer(text):
        s, e = m.start("w"), m.end("w")
        head = _head_after(text, e)
        if head and not _overlapping(taken, s, e):
            found.append(
                Quantity(
                    "ordinal",
                    float(ORDINAL_WORDS[m.group("w").lower()]),
                    None,
                    "",
                    head,
                    False,
                    s,
                    e,
                    text[s:e],
                )
            )
            taken.append((s, e))
    return found


def _classify(
    text: str,
    start: int,
    end: int,
    value: float,
    high: float | None,
    approx: bool,
    currency: str,
) -> Quantity | None:
    """Decide the kind of a bare number from what follows it."""
    after = text[end : end + 40]
    pct = _PERCENT_AFTER.match(after)
    if pct:
        end += pct.end()
        return Quantity("percent", value, high, "%", "", approx, start, end, text[start:end])
    unit_m = _UNIT_AFTER.match(after)
    unit_word = unit_m.group("unit").lower().rstrip(".") if unit_m else ""
    if not currency and unit_word in _CURRENCY_WORD:
        assert unit_m is not None
        end += unit_m.end()
        cur = _CURRENCY_WORD[unit_word]
        if cur == "USD-cent":
            value, high, cur = value / 100, (high / 100 if high is not None else None), "USD"
        return Quantity("money", value, high, cur, "", approx, start, end, text[start:end])
    if currency:
        return Quantity("money", value, high, currency, "", approx, start, end, text[start:end])
    if (
        unit_m
        and unit_word.rstrip("s") in ("year", "yr")
        and re.match(r"[\s-]*years?[\s-]*old", after, re.I)
    ):
        old = re.match(r"[\s-]*years?[\s-]*old", after, re.I)
        assert old is not None
        end += old.end()
        return Quantity("age", value, high, "year", "", approx, start, end, text[start:end])
    if unit_m and singular(unit_word) in DURATION_DAYS:
        assert unit_m is not None
        days = DURATION_DAYS[singular(unit_word)]
        end += unit_m.end()
        return Quantity(
            "duration",
            value * days,
            high * days if high is not None else None,
            "day",
            "",
            approx,
            start,
            end,
            text[start:end],
        )
    if unit_m and unit_word in MEASURE_UNITS:
        base, factor = MEASURE_UNITS[unit_word]
        end += unit_m.end()
        return Quantity(
            "measure",
            value * factor,
            high * factor if high is not None else None,
            base,
            "",
            approx,
            start,
            end,
            text[start:end],
        )
    raw = text[start:end]
    if (
        high is None
        and value.is_integer()
        and 1900 <= value <= 2100
        and "," not in raw
        and re.fullmatch(r"(?:[a-z ]+\s)?\d{4}", raw, re.I)
    ):
        return Quantity("year", value, None, "", "", approx, start, end, raw)
    return Quantity("count", value, high, "", _head_after(text, end), approx, start, end, raw)


def extract_quantities(text: str) -> list[Quantity]:
    """All quantities in `text`, ordered by offset; spans never overlap."""
    taken: list[tuple[int, int]] = []
    found = _dates(text, taken) + _times(text, taken) + _ordinals(text, taken)
    # Blank out what is already read, so "September 19 and 20" still yields the bare 20.
    masked = list(text)
    for s, e in taken:
        masked[s:e] = " " * (e - s)
    for m in _NUMBER.finditer("".join(masked)):
        if m.group("words") is not None:
            words = m.group("words").strip(" -")
            w_start = m.start("words")
            w_end = w_start + len(words)
            if words.lower().endswith(" and"):
                w_end -= 4
                words = words[:-4]
            leading_a = re.match(
                r"an?\s+(?=[a-z])(?!hundred|thousand|million|billion|dozen)", words, re.I
            )
            if leading_a:
                w_start += leading_a.end()
                words = words[leading_a.end() :]
            value = parse_number_words(words)
            if value is None:
                continue
            num_start, num_end, high = w_start, w_end, None
        else:
            num_start, num_end = m.start("digits"), m.end("scale")
            value = _to_float(m.group("digits")) * _scale(m.group("scale"))
            high = None
            if m.group("digits2"):
                scale2 = _scale(m.group("scale2"))
                high = _to_float(m.group("digits2")) * scale2
                if not m.group("scale"):
                    value *= scale2
                if high < value or (
                    " and" in text[m.end("scale") : m.start("digits2")].lower()
                    and ("between" not in text[max(0, num_start - 9) : num_start].lower())
                ):
                    high = None
                else:
                    num_end = m.end("scale2")
        start = m.start("cur") if m.group("cur") else num_start
        if m.group("approx"):
            start = m.start("approx")
        if m.group("words") is None and m.group("digits2") and high is None:
            num_end = m.end("scale")
        end = num_end
        if _overlapping(taken, num_start, end) or _DESIGNATION.match(text, end):
            continue
        # The masked text is blank where a date was read, so "about Monday 2019" would read
        # "about" across the weekday into the year: a prefix over a read span is not the number's.
        prefixed = not (start < num_start and _overlapping(taken, start, num_start))
        if not prefixed:
            start = num_start
        cur = (m.group("cur") or "").strip().lower().rstrip(".") if prefixed else ""
        currency = _CURRENCY_SYMBOL.get(cur, "")
        approx = (prefixed and bool(m.group("approx"))) or high is not None
        q = _classify(text, start, end, value, high, approx, currency)
        if q is not None and value:
            digits = m.group("digits") or ""
            decimals = len(digits.split(".")[1]) if "." in digits else 0
            half_unit = 0.5 * 10.0**-decimals * (_scale(m.group("scale")) if digits else 1.0)
            if "/" in digits:
                half_unit = 0.5 / max(float(digits.rpartition("/")[2]), 1.0)
            q = replace(q, resolution=half_unit * abs(q.value / value))
        if q is not None:
            found.append(q)
            taken.append((q.start, q.end))
    for m in _VAGUE.finditer(text):
        if _overlapping(taken, m.start(), m.end()):
            continue
        low, high = _VAGUE_RANGE[m.group("w").lower()]
        q = _classify(text, m.start(), m.end(), low, high, True, "")
        if q is not None:
            found.append(q)
            taken.append((q.start, q.end))
    return sorted(found, key=lambda q: q.start)


def clause_context(text: str, start: int, end: int, *, words: int = 10) -> str:
    """The clause around `text[start:end]`, at most `words` words either side, as a slice."""
    left = text[:start]
    cut = max([0, *(left.rfind(ch) + 1 for ch in ";:!?\n" if ch in left)])
    if ". " in left:
        cut = max(cut, left.rfind(". ") + 2)
    right = text[end:]
    stops = [i for i in (right.find(ch) for ch in (";", ":", "!", "?", "\n", ". ")) if i >= 0]
    r_cut = end + (min(stops) if stops else len(right))
    spans = [m.span() for m in re.finditer(r"\S+", text[cut:start])][-words:]
    lo = cut + spans[0][0] if spans else start
    spans = [m.span() for m in re.finditer(r"\S+", text[end:r_cut])][:words]
    hi = end + spans[-1][1] if spans else end
    return text[lo:hi].strip(" ,")


def is_planned(context: str) -> bool:
    """Whether a clause speaks of something planned or expected rather than done."""
    return bool(_PLANNED.search(context))
