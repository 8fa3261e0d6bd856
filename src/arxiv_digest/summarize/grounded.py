"""Summaries grounded in the text they were written from, and checked against it.

- `fit_text`: a paper's parsed sections fitted to a token budget, the sections that feed each summary field
  first (introduction -> motivation, method -> method, experiments/results and discussion -> result,
  conclusion and limitations -> conclusion), then the rest in document order while the budget lasts.
- `SourcedPaper` / `GroundedPrompt`: the prompt sees the paper's full text when there is one, and, when a
  summary is sent back, its earlier answer and the correction (a conversation, as the backend's own
  format corrections are).
- `CheckedSummarizer`: wraps an LLM backend. A summary that states a number its source text does not is
  sent back once with a correction naming the number; if the second answer still has one, it is stored
  anyway and marked with the numbers it could not back up (shown as "unverified numbers"): a summary
  with one doubtful figure is still more use to a reader than none, as long as the doubt is visible.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, fields

from ..models import Paper, Summary, SummaryKind, SummarySource
from ..sources.latexml import FullText, Section
from .base import AdaptiveLimiter, PaperFailed, Summarizer, SummaryResult, Usage
from .faithfulness import correction, unverified_numbers
from .prompt import Prompt, load_prompt, protect

FULLTEXT_PROMPT = "fulltext_v1"
CHARS_PER_TOKEN = 4  # an estimate for English prose (LaTeX runs denser): the budget is approximate
KEY_ROLES = ("introduction", "method", "results", "discussion", "conclusion", "limitations")
_CUT = " […]"


# ---------------------------------------------------------------- the text that goes into the prompt


def _cut(text: str, limit: int, paragraphs: bool = True) -> str:
    """`text` cut to at most `limit` characters at a paragraph (else word) boundary, marked as cut."""
    if len(text) <= limit:
        return text
    limit = max(0, limit - len(_CUT))
    head = text[:limit]
    at = head.rfind("\n\n") if paragraphs else -1
    if at < limit // 2:
        at = head.rfind(" ")
    return head[: at if at > 0 else limit].rstrip() + _CUT


def _shares(lengths: list[int], budget: int) -> list[int]:
    """Water-filling: an equal share each, what a short section leaves goes to the longer ones."""
    shares = [0] * len(lengths)
    left, open_ = budget, sorted(range(len(lengths)), key=lambda i: lengths[i])
    while open_:
        each = left // len(open_)
        i = open_.pop(0)
        shares[i] = min(lengths[i], each)
        left -= shares[i]
    return shares


def _block(s: Section, text: str) -> str:
    return f"## {s.title}\n\n{text}"


_JOIN = "\n\n"


def _fill(sections: list[Section], budget: int) -> list[str]:
    """The sections' blocks within `budget` characters: fair shares, then what cutting at paragraph
    boundaries left over goes back to the sections that were cut (a few rounds)."""
    fixed = [len(_block(s, "")) + len(_JOIN) for s in sections]
    shares = _shares([len(s.text) for s in sections], max(0, budget - sum(fixed)))
    for rounds in range(4):  # the last round may cut inside a paragraph
        texts = [_cut(s.text, n, rounds < 3) for s, n in zip(sections, shares, strict=True)]
        spare = budget - sum(fixed) - sum(len(t) for t in texts)
        cut = [i for i, t in enumerate(texts) if t.endswith(_CUT) and shares[i] < len(sections[i].text)]
        if spare < 100 or not cut:
            break
        shares = [len(t) for t in texts]
        for i in cut:
            shares[i] += spare // len(cut)
    return [_block(s, t) for s, t in zip(sections, texts, strict=True) if t]


def fit_text(ft: FullText, max_tokens: int) -> str:
    """The paper's text for the prompt: key sections first, each given a fair share of the budget."""
    budget = max_tokens * CHARS_PER_TOKEN
    key = [s for role in KEY_ROLES for s in ft.sections if s.role == role]
    rest = [s for s in ft.sections if s.role not in KEY_ROLES]
    if not key:  # titles we cannot classify (a maths paper's "Definitions", "Proof of ..."): document order
        key, rest = rest, []
    rest.sort(key=lambda s: s.role == "appendix")  # appendices last
    parts = _fill(key, budget)
    left = budget - sum(len(p) + len(_JOIN) for p in parts)
    for s in rest:
        room = left - len(_block(s, "")) - len(_JOIN)
        if room < 200:  # not worth a heading
            break
        parts.append(_block(s, _cut(s.text, room)))
        left -= len(parts[-1]) + len(_JOIN)
    return _JOIN.join(parts)


# ---------------------------------------------------------------- prompts with a source and a history


@dataclass
class SourcedPaper(Paper):
    """A paper as the prompt sees it: with its full text (None: the abstract only) and earlier turns."""

    fulltext: str | None = None
    earlier: tuple[tuple[str, str], ...] = ()  # (an answer of ours, the correction sent back)

    @classmethod
    def of(cls, paper: Paper, fulltext: str | None) -> SourcedPaper:
        return cls(**{f.name: getattr(paper, f.name) for f in fields(Paper)}, fulltext=fulltext)

    def corrected(self, answer: str, fix: str) -> SourcedPaper:
        again = SourcedPaper.of(self, self.fulltext)
        again.earlier = (*self.earlier, (answer, fix))
        return again

    def source_text(self) -> str:
        """Everything the model was shown about the paper: what its numbers must come from."""
        return "\n".join([f"arXiv id: {self.id}", self.title, self.abstract, self.fulltext or ""])


@dataclass(frozen=True)
class GroundedPrompt(Prompt):
    """A prompt that fills {{fulltext}} and replays corrections; for a plain Paper it is the base prompt."""

    @classmethod
    def load(cls, name: str) -> GroundedPrompt:
        p = load_prompt(name)
        return cls(p.version, p.system, p.user)

    def values(self, paper: Paper, language: str) -> dict[str, str]:
        values = super().values(paper, language)
        text = paper.fulltext if isinstance(paper, SourcedPaper) else None
        values["fulltext"] = protect(text or "")
        return values

    def messages(self, paper: Paper, language: str) -> list[dict[str, str]]:
        msgs = super().messages(paper, language)
        for answer, fix in paper.earlier if isinstance(paper, SourcedPaper) else ():
            msgs += [{"role": "assistant", "content": answer}, {"role": "user", "content": fix}]
        return msgs


def fulltext_version() -> str:
    """The cache key part of summaries written from full text."""
    return load_prompt(FULLTEXT_PROMPT).version


# ---------------------------------------------------------------- the check


def _answer(summary: Summary) -> str:
    return json.dumps(summary.model_dump(), ensure_ascii=False)


def _add(usage: Usage, more: Usage) -> None:
    usage.calls += more.calls
    usage.prompt_tokens += more.prompt_tokens
    usage.completion_tokens += more.completion_tokens


class CheckedSummarizer:
    """An LLM backend whose numbers are checked against the text each summary was written from."""

    kind: SummaryKind = "llm"

    def __init__(self, inner: Summarizer, source: SummarySource = "abstract",
                 texts: Mapping[str, str] | None = None) -> None:  # fmt: skip
        self.inner = inner
        self.source: SummarySource = source
        self.texts = texts or {}  # paper id -> its fitted full text (source "fulltext")
        self.language, self.model = inner.language, inner.model
        self.prompt_version, self.label = inner.prompt_version, inner.label

    async def summarize(self, paper: Paper, limiter: AdaptiveLimiter) -> SummaryResult:
        sourced = SourcedPaper.of(paper, self.texts.get(paper.id) if self.source == "fulltext" else None)
        first = await self.inner.summarize(sourced, limiter)
        usage, summary = first.usage, first.summary
        missing = unverified_numbers(summary, sourced.source_text())
        if missing:
            try:
                second = await self.inner.summarize(sourced.corrected(_answer(summary), correction(missing)), limiter)
            except PaperFailed as e:  # the first answer stays, marked
                _add(usage, e.usage)
            else:
                _add(usage, second.usage)
                still = unverified_numbers(second.summary, sourced.source_text())
                if len(still) <= len(missing):
                    summary, missing = second.summary, still
        return SummaryResult(summary, usage, source=self.source, unverified=missing)

    async def aclose(self) -> None:
        await self.inner.aclose()
