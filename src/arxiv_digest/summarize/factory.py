"""Choosing a backend from the settings: presets for common endpoints, keys, the offline fallback."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..config import Settings
from ..errors import ConfigError, SummarizeError
from .base import Summarizer
from .grounded import FULLTEXT_PROMPT, CheckedSummarizer, GroundedPrompt
from .offline import OfflineSummarizer
from .openai_backend import OpenAISummarizer
from .prompt import DEFAULT_PROMPT

if TYPE_CHECKING:
    from ..store import Store

OPENAI_URL = "https://api.openai.com/v1"
DEEPSEEK_URL = "https://api.deepseek.com"
# Local servers do not check keys but the SDK insists on one.
LOCAL_KEY = "not-needed"


@dataclass(frozen=True)
class Preset:
    base_url: str
    model: str  # used unless --model is given
    note: str


PRESETS: dict[str, Preset] = {
    "deepseek": Preset(DEEPSEEK_URL, "deepseek-chat", "DeepSeek's API; needs OPENAI_API_KEY"),
    "openai": Preset(OPENAI_URL, "gpt-4o-mini", "OpenAI's API; needs OPENAI_API_KEY"),
    "ollama": Preset("http://localhost:11434/v1", "qwen2.5:7b-instruct", "a local Ollama server; no key"),
    "vllm": Preset("http://localhost:8000/v1", "Qwen/Qwen2.5-7B-Instruct", "a local vLLM server; no key"),
    "llamacpp": Preset("http://localhost:8080/v1", "local-model", "a local llama.cpp server; no key"),
}


def preset_overrides(name: str | None, base_url: str | None = None, model: str | None = None) -> dict[str, Any]:
    """Settings overrides for `--preset NAME`: its base URL and model unless given explicitly."""
    if name is None:
        return {"llm.base_url": base_url, "llm.model": model}
    preset = PRESETS.get(name.strip().lower())
    if preset is None:
        raise ConfigError(f"unknown preset {name!r} (choose from {', '.join(PRESETS)})")
    return {"llm.base_url": base_url or preset.base_url, "llm.model": model or preset.model}


def backend_name(settings: Settings) -> str:
    """'openai' or 'offline'. auto = the LLM when a key or an endpoint is configured."""
    llm = settings.llm
    if llm.backend != "auto":
        return llm.backend
    return "openai" if (llm.api_key is not None or llm.base_url) else "offline"


def endpoint(settings: Settings) -> tuple[str, str]:
    """(base_url, api_key). No base URL: DeepSeek for deepseek-* models (the default), else OpenAI."""
    llm = settings.llm
    base_url = llm.base_url or (DEEPSEEK_URL if llm.model.startswith("deepseek") else OPENAI_URL)
    key = llm.api_key.get_secret_value() if llm.api_key is not None else ""
    if not key:
        if not llm.base_url:
            raise SummarizeError(
                f"no API key for {base_url}: set OPENAI_API_KEY, or OPENAI_BASE_URL for a local server, "
                "or use --backend offline"
            )
        key = LOCAL_KEY
    return base_url, key


def make_summarizer(
    settings: Settings, store: Store | None = None, fulltexts: Mapping[str, str] | None = None
) -> Summarizer:
    """The backend the settings ask for; the store (if given) remembers each endpoint's output mode.
    An LLM's summaries are checked against their source (see grounded.py); with `fulltexts` (paper id ->
    its text) they are written from the full text with the full-text prompt."""
    if backend_name(settings) == "offline":
        return OfflineSummarizer()
    base_url, key = endpoint(settings)
    llm = settings.llm
    prompt = GroundedPrompt.load(DEFAULT_PROMPT if fulltexts is None else FULLTEXT_PROMPT)
    backend = OpenAISummarizer(
        model=llm.model, language=settings.language, base_url=base_url, api_key=key,
        timeout=llm.timeout_seconds, max_retry_seconds=llm.max_retry_seconds, memory=store, prompt=prompt,
        max_tokens=llm.max_tokens, temperature=llm.temperature,
    )  # fmt: skip
    return CheckedSummarizer(backend, "abstract" if fulltexts is None else "fulltext", fulltexts)
