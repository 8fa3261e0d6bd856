"""The search tokenizer. The site's JavaScript (static/search.js) has the same rules, character for
character: the index is built with this one and queried with that one, and a browser test checks that
both give the same tokens for the same text.

- Words: runs of Latin (accents folded), Greek, Cyrillic letters and digits, lowercased, NFKC first so
  full-width letters and ligatures become plain ones. English stop words are dropped and a light
  plural stemmer ("networks" -> "network", "studies" -> "study") is applied.
- CJK (Han, kana, Hangul): overlapping character bigrams, so a two-character query such as 聚类 finds
  every text that contains it, with no dictionary to disagree about word boundaries. A lone CJK
  character between non-CJK characters is kept as a unigram.
"""

from __future__ import annotations

import re
import unicodedata

_WORD = "0-9a-z\u00df-\u00f6\u00f8-\u024f\u0370-\u03ff\u0400-\u04ff"
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af"
_WORDS = re.compile(f"[{_WORD}]+")
_CJK_RUNS = re.compile(f"[{_CJK}]+")
_COMBINING = re.compile("[\u0300-\u036f]")
MAX_WORD = 32  # longer runs are hashes, base64 or formulas: not worth an index entry

STOP_WORDS = frozenset([  # search.js has the same list
    "a", "an", "and", "are", "as", "at", "be", "been", "but", "by", "can", "do", "does", "for", "from",
    "had", "has", "have", "how", "however", "in", "into", "is", "it", "its", "of", "on", "or", "our", "over",
    "such", "than", "that", "the", "their", "them", "then", "there", "these", "they", "this", "those",
    "thus", "to", "two", "under", "up", "via", "was", "we", "were", "what", "when", "where", "which",
    "while", "who", "whose", "why", "will", "with", "within", "without", "would", "you",
])


def stem(word: str) -> str:
    """Harman's S-stemmer (plurals only: it merges "network" and "networks", seldom two different words)."""
    if len(word) <= 3 or word[-1] != "s" or word[0].isdigit():
        return word
    if word.endswith("ies") and not word.endswith(("eies", "aies")):
        return word[:-3] + "y"
    if word.endswith("es") and not word.endswith(("aes", "ees", "oes")):
        return word[:-1]
    if word.endswith(("us", "ss", "is")):
        return word
    return word[:-1]


def normalize(text: str) -> str:
    """NFKC (full-width letters, ligatures) and lowercase; the quick check skips text already in NFKC."""
    return (text if unicodedata.is_normalized("NFKC", text) else unicodedata.normalize("NFKC", text)).lower()


def word_term(word: str) -> str:
    """A normalized word's index term, or '' for a stop word or an over-long run."""
    if len(word) > MAX_WORD or word in STOP_WORDS:
        return ""
    if not word.isascii():  # accents off: 'schrödinger' -> 'schrodinger'
        word = _COMBINING.sub("", unicodedata.normalize("NFKD", word))
    return stem(word)


class Tokenizer:
    """terms(text): every index term of the text, repeats included. Words are looked up in a memo, which
    makes tokenizing a month of papers several times faster than stemming every occurrence."""

    def __init__(self) -> None:
        self._memo: dict[str, str] = {}

    def terms(self, text: str) -> list[str]:
        text = normalize(text)
        memo = self._memo
        out = []
        for w in _WORDS.findall(text):
            t = memo.get(w)
            if t is None:
                t = memo[w] = word_term(w)
            if t:
                out.append(t)
        for run in _CJK_RUNS.findall(text):
            if len(run) == 1:
                out.append(run)
            else:
                out += [run[i : i + 2] for i in range(len(run) - 1)]
        return out


def tokens(text: str) -> list[str]:
    """Every index term of `text` (words first, then CJK bigrams)."""
    return Tokenizer().terms(text)
