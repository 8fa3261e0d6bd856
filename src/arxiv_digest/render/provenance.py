"""What a summary was written from, as every output says it: the paper's full text or its abstract, and
the numbers it states that its source text does not ("unverified numbers", see summarize/faithfulness.py).

The Markdown says it only for summaries written from the full text, so that with full text off the digest
stays byte for byte in the reference format. Extractive summaries carry their own label already.
"""

from __future__ import annotations

from ..models import StoredSummary


def localized(table: dict[str, str], language: str) -> str:
    from .markdown import localized as pick  # here: markdown.py imports this module

    return pick(table, language)

WRITTEN_FROM = {
    "fulltext": {
        "english": "Summarized from the full text.",
        "chinese": "据全文总结。",
        "japanese": "全文に基づく要約。",
        "korean": "전문을 바탕으로 한 요약.",
        "french": "Résumé rédigé à partir du texte intégral.",
        "german": "Zusammenfassung aus dem Volltext.",
        "spanish": "Resumen a partir del texto completo.",
    },
    "abstract": {
        "english": "Summarized from the abstract.",
        "chinese": "据摘要总结。",
        "japanese": "アブストラクトに基づく要約。",
        "korean": "초록을 바탕으로 한 요약.",
        "french": "Résumé rédigé à partir de l'abstract.",
        "german": "Zusammenfassung aus dem Abstract.",
        "spanish": "Resumen a partir del abstract.",
    },
}
UNVERIFIED = {
    "english": "Unverified numbers (not found in the text it was written from): {}",
    "chinese": "未经核实的数字（原文中未找到）：{}",
    "japanese": "未確認の数値（元の文章に見当たらない）：{}",
    "korean": "확인되지 않은 수치 (원문에 없음): {}",
    "french": "Chiffres non vérifiés (absents du texte source) : {}",
    "german": "Nicht belegte Zahlen (im Quelltext nicht gefunden): {}",
    "spanish": "Cifras sin verificar (no aparecen en el texto fuente): {}",
}


def written_from(s: StoredSummary, language: str) -> str:
    """'Summarized from the full text.' in the reader's language ('' for an extractive summary)."""
    return "" if s.kind == "extractive" else localized(WRITTEN_FROM[s.source], language)


def unverified(s: StoredSummary, language: str) -> str:
    """'Unverified numbers (...): 97.3%, 12' or '' when every number was found in the source."""
    return localized(UNVERIFIED, language).format(", ".join(s.unverified)) if s.unverified else ""


def note(s: StoredSummary, language: str) -> str:
    """Both, as one line."""
    return " ".join(x for x in (written_from(s, language), unverified(s, language)) if x)


def markdown_note(s: StoredSummary, language: str) -> str:
    """The Markdown line (with its blank line) for a summary from the full text; '' otherwise."""
    return f"*{note(s, language)}*\n\n" if s.source == "fulltext" and s.kind != "extractive" else ""
