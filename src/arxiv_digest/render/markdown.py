"""The Markdown digest, byte for byte in the format of the existing tool's converter (the reference digest).

Plain string building rather than a template: the format is whitespace-exact, and every blank line here
is one the reference has. Only papers that lack an LLM/imported summary and the optional top picks add
text the reference format does not have. Every text from arXiv, an LLM or an import goes through `inert`
(render/inert.py): tags that would act become text, real text keeps its bytes.
"""

from __future__ import annotations

import re

from ..models import DayDigest, DayEntry
from .inert import inert
from .provenance import markdown_note
from .sections import build_sections, top_picks

# Markers in the reader's language; English for any language without its own line. The site says the
# same words (render/html.py; a test keeps them equal).
PENDING = {
    "chinese": "摘要生成中（尚未完成），以下为原文摘要。",
    "english": "Summary pending - showing the abstract.",
    "japanese": "要約は準備中です。以下は原文のアブストラクトです。",
    "korean": "요약 준비 중 - 원문 초록을 표시합니다.",
    "french": "Résumé en attente - voici le résumé original.",
    "german": "Zusammenfassung ausstehend - hier das Abstract.",
    "spanish": "Resumen pendiente - se muestra el abstract.",
}
PENDING_REASON = {
    "chinese": "（上次失败：{}）", "english": " (last attempt failed: {})", "japanese": "（前回の失敗：{}）",
    "korean": " (지난 시도 실패: {})", "french": " (dernière tentative échouée : {})",
    "german": " (letzter Versuch fehlgeschlagen: {})", "spanish": " (último intento fallido: {})",
}  # fmt: skip
EXTRACTIVE = {
    "chinese": "*抽取式摘要（离线生成，摘自英文原文，非大模型总结）*",
    "english": "*Extractive summary (offline, English): sentences from the abstract, not an LLM summary.*",
    "japanese": "*抽出型要約（オフライン・英語）：LLM による要約ではありません*",
    "korean": "*추출 요약 (오프라인, 영어): LLM 요약이 아닙니다*",
    "french": "*Résumé extractif (hors ligne, anglais) : phrases de l'abstract, pas un résumé LLM.*",
    "german": "*Extraktive Zusammenfassung (offline, Englisch): Sätze aus dem Abstract, kein LLM.*",
    "spanish": "*Resumen extractivo (sin conexión, inglés): frases del abstract, no un resumen LLM.*",
}
TOP_PICKS = {"chinese": "为你推荐", "english": "Top picks for you"}
THEMES = {"chinese": "今日主题", "english": "Themes of the day"}
# Other spellings of LANGUAGE (the summarizer's language check accepts them too) -> the tables' key.
_ALIASES = {
    "zh": "chinese", "zh-cn": "chinese", "zh-hans": "chinese", "中文": "chinese", "简体中文": "chinese",
    "汉语": "chinese", "mandarin": "chinese", "en": "english", "ja": "japanese", "日本語": "japanese",
    "ko": "korean", "한국어": "korean", "fr": "french", "français": "french", "de": "german", "deutsch": "german",
    "es": "spanish", "español": "spanish",
}  # fmt: skip


def language_key(language: str) -> str:
    """'zh', '中文' or 'Chinese' -> 'chinese': how the word tables are keyed."""
    key = language.strip().lower()
    return _ALIASES.get(key, key)


def localized(table: dict[str, str], language: str) -> str:
    return table.get(language_key(language), table["english"])


def brief_reason(reason: str, limit: int = 120) -> str:
    """First line of a failure reason, shortened: a marker, not a log."""
    line = reason.strip().splitlines()[0] if reason.strip() else ""
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _head(n: int, e: DayEntry) -> str:
    p = e.paper
    return (f"### [{n}] [{inert(p.title)}]({p.abs_url})\n*{inert(','.join(p.authors))}*\n\n"
            f"Main category: {inert(p.primary_category)}\n\n")  # fmt: skip


def _anchor(category: str) -> str:
    """A category as an HTML id and link target: arXiv's codes are letters, digits, '.' and '-'."""
    return re.sub(r"[^A-Za-z0-9._-]", "-", category)


def pending_marker(e: DayEntry, language: str) -> str:
    """The line that says a paper's summary is not there yet, with the last failure if there was one."""
    marker = localized(PENDING, language)
    if e.failure:
        marker += localized(PENDING_REASON, language).format(brief_reason(e.failure))
    return marker


def _md_pending(e: DayEntry, language: str) -> str:
    return inert(pending_marker(e, language))


def _pending(e: DayEntry, language: str) -> str:
    """No summary yet: say so plainly and show the abstract; nothing that looks like a summary."""
    return f"{_md_pending(e, language)}\n\nAbstract: {inert(e.paper.abstract)}\n"


def render_paper(n: int, e: DayEntry, language: str) -> str:
    """One paper's block, ending in a single newline (blocks are joined by a blank line pair)."""
    if e.summary is None:
        return _head(n, e) + _pending(e, language)
    s = e.summary.summary
    label = localized(EXTRACTIVE, language) + "\n\n" if e.summary.kind == "extractive" else ""
    label += inert(markdown_note(e.summary, language))  # only for a summary from the full text
    return (
        f"{_head(n, e)}{label}TL;DR: {inert(s.tldr)}\n\n\n"
        "<details>\n  <summary>Details</summary>\n"
        f"Motivation: {inert(s.motivation)}\n\nMethod: {inert(s.method)}\n\nResult: {inert(s.result)}\n\n"
        f"Conclusion: {inert(s.conclusion)}\n\nAbstract: {inert(e.paper.abstract)}\n\n</details>\n"
    )


def _top_picks(digest: DayDigest, numbers: dict[str, int], k: int) -> str:
    picks = top_picks(digest.entries, k)
    if not picks:
        return ""
    lines = [f"# {localized(TOP_PICKS, digest.language)}\n"]
    for e in picks:
        why = inert("; ".join(str(r) for r in e.reasons))
        link = f"- [{numbers[e.paper.id]}] [{inert(e.paper.title)}]({e.paper.abs_url})"
        lines.append(link + (f" - {why}" if why else ""))
    return "\n".join(lines) + "\n\n\n"


def _themes(digest: DayDigest, numbers: dict[str, int]) -> str:
    if not digest.themes:
        return ""
    lines = [f"# {localized(THEMES, digest.language)}\n"]
    for t in digest.themes:
        refs = " ".join(f"[{numbers[pid]}]" for pid in t.papers if pid in numbers)
        overview = f"\n  {inert(t.overview)}" if t.overview else ""
        lines.append(f"- **{inert(t.label)}** ({len(t.papers)}): {refs}{overview}")
    return "\n".join(lines) + "\n\n\n"


def render_markdown(digest: DayDigest, top_picks: int = 0, themes: bool = False) -> str:
    """The whole digest. `top_picks` > 0 adds that many best-scored papers at the top (if any are scored);
    `themes` adds the day's themes (if they were computed) after them."""
    sections = build_sections(digest)
    numbers = {e.paper.id: n for sec in sections for n, e in sec.entries}
    out = [_top_picks(digest, numbers, top_picks), _themes(digest, numbers) if themes else "",
           "<div id=toc></div>\n\n# Table of Contents\n\n"]  # fmt: skip
    out += [f"- [{inert(sec.category)}](#{_anchor(sec.category)}) [Total: {len(sec.entries)}]\n" for sec in sections]
    for sec in sections:
        out.append(f"\n\n<div id='{_anchor(sec.category)}'></div>\n\n# {inert(sec.category)} [[Back]](#toc)\n\n")
        out.append("\n\n".join(render_paper(n, e, digest.language) for n, e in sec.entries))
    return "".join(out)
