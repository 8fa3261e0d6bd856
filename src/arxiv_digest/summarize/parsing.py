"""From an LLM's reply to a validated `Summary`: extract, repair, validate, check the language.

Models wrap JSON in code fences or prose, cut it off, or write LaTeX with single backslashes
(`"$\\frac{a}{b}$"` in the JSON text is a form feed followed by "rac"). Everything here is a pure
function of the reply text, so each failure class has a unit test.
"""

from __future__ import annotations

import json
import re
import unicodedata
from typing import Any

import json_repair
from pydantic import ValidationError

from ..models import Summary
from .prompt import field_descriptions

FIELDS = ("tldr", "motivation", "method", "result", "conclusion")


class SummaryInvalid(ValueError):
    """The reply cannot be used as a summary; the message says why (it goes back to the model)."""


# ---------------------------------------------------------------- JSON extraction and repair

_FENCE_RE = re.compile(r"```[a-zA-Z]*\s*\n?(.*?)```", re.DOTALL)
# A backslash and what follows it: a \uXXXX escape, a run of letters, or one character.
_ESCAPE_RE = re.compile(r"\\(u[0-9a-fA-F]{4}|[a-zA-Z]+|.|$)", re.DOTALL)
_UNICODE_RE = re.compile(r"u[0-9a-fA-F]{4}")
# LaTeX commands that start like the JSON escape \n; every other "\n" is kept as a newline.
_LATEX_N = {
    "nabla", "neq", "ne", "nu", "not", "neg", "nonumber", "newline", "ni", "notin", "nearrow", "natural",
    "nparallel", "nmid", "ngeq", "nleq", "nless", "ngtr", "nsubseteq", "nsupseteq", "nexists", "nolimits",
    "normalsize", "noindent", "nwarrow", "nrightarrow", "nleftarrow", "newcommand", "norm",
}  # fmt: skip


def _fix_escape(m: re.Match[str]) -> str:
    body = m.group(1)
    if body in ('"', "\\", "/") or _UNICODE_RE.fullmatch(body):
        return m.group(0)  # a valid JSON escape
    if body in ("n", "t", "r", "b", "f"):
        return m.group(0)  # a lone control escape: a real newline, tab...
    if body[:1] == "n" and body not in _LATEX_N:
        return m.group(0)  # "\nThe method..." is a newline before a word
    if body == "":
        return "\\\\"
    return "\\\\" + body  # \frac, \beta, \alpha, \{, \_ ... : LaTeX, keep the backslash literally


def escape_latex(text: str) -> str:
    """Double the backslashes of LaTeX commands the model did not escape, leave valid escapes alone."""
    return _ESCAPE_RE.sub(_fix_escape, text)


def _candidate(text: str) -> str:
    """The part of the reply that should be the JSON object: inside fences, from the first { on."""
    fenced = _FENCE_RE.findall(text)
    for block in fenced:
        if "{" in block:
            text = block
            break
    start = text.find("{")
    if start < 0:
        return text.strip()
    end = text.rfind("}")
    return text[start : end + 1] if end > start else text[start:]  # no closing brace: truncated


def extract_json(text: str) -> dict[str, Any]:
    """Parse the JSON object in a reply; raise SummaryInvalid when there is none."""
    cand = escape_latex(_candidate(text))
    if not cand.startswith("{"):
        gist = " ".join(text.split())[:80]
        raise SummaryInvalid(f"the reply contains no JSON object ({gist!r})" if gist else "the reply is empty")
    try:
        data = json.loads(cand)
    except json.JSONDecodeError:
        data = json_repair.loads(cand)  # trailing commas, missing quotes, truncation
    if not isinstance(data, dict) or not data:
        raise SummaryInvalid("the reply contains no JSON object")
    return data


_THINK_RE = re.compile(r"<think(?:ing)?>.*?</think(?:ing)?>", re.DOTALL | re.IGNORECASE)


def strip_reasoning(text: str) -> str:
    """A reply without the reasoning some servers leave inline: <think>...</think> blocks, everything
    before a lone </think> (templates that open the tag in the prompt), or an unterminated <think>
    (the model ran out of tokens while thinking: no answer at all)."""
    text = _THINK_RE.sub("", text)
    low = text.lower()
    if "</think>" in low:
        text = text[low.rindex("</think>") + len("</think>") :]
    elif low.lstrip().startswith("<think"):
        return ""
    return text.strip()


# What small models write instead of content: the schema's words echoed, or filler. Never published.
_FILLER = frozenset({
    "n/a", "na", "none", "null", "nil", "string", "str", "text", "todo", "tbd", "tba", "unknown", "placeholder",
    "lorem ipsum", "...", "…", "-", "—", "summary", "error", "not available", "not applicable", "no information",
})  # fmt: skip


def _placeholder(name: str, value: str) -> bool:
    v = value.strip().strip("<>{}[]\"'`*_.:").strip().lower()
    if not any(c.isalnum() for c in v):
        return True
    return v in _FILLER or v == name or v == field_descriptions().get(name, "").strip(".").lower()


def parse_summary(text: str) -> Summary:
    """Reply text -> Summary, or SummaryInvalid naming the missing/empty/placeholder/wrong field."""
    data = extract_json(text)
    # Some models nest the object ({"summary": {...}}) or capitalise keys.
    if not any(f in data for f in FIELDS) and len(data) == 1 and isinstance(next(iter(data.values())), dict):
        data = next(iter(data.values()))
    data = {str(k).strip().lower().replace(";", ""): v for k, v in data.items()}
    missing = [f for f in FIELDS if not isinstance(data.get(f), str) or not data[f].strip()]
    if missing:
        raise SummaryInvalid(f"missing or empty field(s): {', '.join(missing)}")
    filler = [f for f in FIELDS if _placeholder(f, data[f])]
    if filler:
        raise SummaryInvalid(f"placeholder instead of content in field(s): {', '.join(filler)}")
    kw = data.get("keywords")
    keywords = [str(k).strip() for k in kw if str(k).strip()][:5] if isinstance(kw, list) else []
    try:
        return Summary(**{f: data[f] for f in FIELDS}, keywords=keywords)
    except ValidationError as e:  # pragma: no cover - the checks above cover the schema today
        raise SummaryInvalid(f"does not match the schema: {e.errors()[0]['msg']}") from None


# ---------------------------------------------------------------- language check

_MATH_RE = re.compile(r"\$[^$]*\$|\\\(.*?\\\)|\\[a-zA-Z]+")


def _script(ch: str) -> str:
    o = ord(ch)
    if 0x4E00 <= o <= 0x9FFF or 0x3400 <= o <= 0x4DBF or 0xF900 <= o <= 0xFAFF or 0x20000 <= o <= 0x2FA1F:
        return "han"
    if 0x3040 <= o <= 0x30FF or 0x31F0 <= o <= 0x31FF:
        return "kana"
    if 0xAC00 <= o <= 0xD7AF or 0x1100 <= o <= 0x11FF or 0x3130 <= o <= 0x318F:
        return "hangul"
    name = unicodedata.name(ch, "")
    for script in ("LATIN", "CYRILLIC", "GREEK", "ARABIC", "HEBREW", "DEVANAGARI", "THAI"):
        if name.startswith(script):
            return script.lower()
    return "other"


# language (lower case, several spellings) -> (scripts that count as the language, minimum share)
# CJK summaries keep technical terms in Latin letters: the reference digest's fields are 40-100 % Han
# by letter count, so 0.2 separates them from an English answer (0 %) with room to spare.
_CJK = 0.2
_LANGS: dict[str, tuple[frozenset[str], float]] = {}
for _names, _scripts, _min in [
    (("chinese", "zh", "zh-cn", "zh-tw", "中文", "简体中文", "繁體中文", "汉语", "mandarin"), {"han"}, _CJK),
    (("japanese", "ja", "日本語"), {"han", "kana"}, _CJK),
    (("korean", "ko", "한국어"), {"hangul", "han"}, _CJK),
    (("russian", "ru", "ukrainian", "uk", "русский"), {"cyrillic"}, 0.5),
    (("english", "en", "french", "fr", "german", "de", "spanish", "es", "italian", "it", "portuguese", "pt",
      "dutch", "nl", "français", "deutsch", "español"), {"latin"}, 0.8),
]:  # fmt: skip
    for _n in _names:
        _LANGS[_n] = (frozenset(_scripts), _min)


def language_share(text: str, scripts: frozenset[str]) -> tuple[float, int]:
    """Share of the letters (outside LaTeX) written in `scripts`, and the number of letters."""
    letters = [c for c in _MATH_RE.sub(" ", text) if c.isalpha()]
    if not letters:
        return 1.0, 0
    hits = sum(1 for c in letters if _script(c) in scripts)
    return hits / len(letters), len(letters)


def check_language(summary: Summary, language: str) -> None:
    """Raise SummaryInvalid when a field is clearly not in `language` (unknown languages pass)."""
    rule = _LANGS.get(language.strip().lower())
    if rule is None:
        return
    scripts, minimum = rule
    for f in FIELDS:
        share, n = language_share(getattr(summary, f), scripts)
        if n >= 8 and share < minimum:
            raise SummaryInvalid(f"field {f} is not written in {language}")
    if language.strip().lower() in ("japanese", "ja", "日本語"):
        allt = " ".join(getattr(summary, f) for f in FIELDS)
        if not any(_script(c) == "kana" for c in allt):
            raise SummaryInvalid(f"the summary is not written in {language}")
