"""Summarize stage: structured summaries from an OpenAI-compatible endpoint, or offline extractive ones.

Library entry points: `summarize_day` (what the CLI and the pipeline call) and `make_summarizer`.
"""

from __future__ import annotations

from .base import AdaptiveLimiter, PaperFailed, Summarizer, SummaryResult, Usage
from .factory import PRESETS, backend_name, make_summarizer, preset_overrides
from .offline import OfflineSummarizer, extractive_summary
from .openai_backend import OpenAISummarizer
from .runner import SummarizeReport, summarize_day

__all__ = [
    "PRESETS",
    "AdaptiveLimiter",
    "OfflineSummarizer",
    "OpenAISummarizer",
    "PaperFailed",
    "SummarizeReport",
    "Summarizer",
    "SummaryResult",
    "Usage",
    "backend_name",
    "extractive_summary",
    "make_summarizer",
    "preset_overrides",
    "summarize_day",
]
