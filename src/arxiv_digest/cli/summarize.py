"""CLI commands: summarize."""

from __future__ import annotations

from typing import Annotated

import typer

from ..errors import SummarizeError
from ..summarize import PRESETS, preset_overrides, summarize_day
from .app import ConfigOpt, DataDirOpt, DateOpt, LanguageOpt, app, open_store, out, reporting, resolve_day, settings


@app.command()
def summarize(
    date: DateOpt = None,
    language: LanguageOpt = None,
    model: Annotated[str | None, typer.Option("--model", help="Model name (env MODEL_NAME).")] = None,
    backend: Annotated[
        str | None, typer.Option("--backend", help="auto | openai | offline (auto: openai when a key or URL is set).")
    ] = None,
    base_url: Annotated[
        str | None, typer.Option("--base-url", help="OpenAI-compatible endpoint (env OPENAI_BASE_URL).")
    ] = None,
    preset: Annotated[str | None, typer.Option("--preset", help=f"Endpoint preset: {', '.join(PRESETS)}.")] = None,
    max_concurrency: Annotated[
        int | None, typer.Option("--max-concurrency", help="Most requests in flight (default 16).")
    ] = None,
    config: ConfigOpt = None,
    data_dir: DataDirOpt = None,
) -> None:
    """Summarize the day's stored papers that have no summary yet (LLM, or offline extractive)."""
    with reporting():
        overrides = preset_overrides(preset, base_url=base_url, model=model)
        s = settings(config, data_dir, language=language, **overrides,
                     **{"llm.backend": backend, "llm.max_concurrency": max_concurrency})  # fmt: skip
        with open_store(s, write=True) as store:
            report = summarize_day(s, store, resolve_day(store, date))
        out.print(report.line(), markup=False)
        if report.missing:
            raise SummarizeError(report.failure_line())
