"""Prompts are package files (`prompts/*.txt`); their version is part of a summary's cache key.

The field list in the prompt and the JSON schema sent to the endpoint both come from
`models.Summary`, so the prompt, the parser and the store agree on one schema.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from ..models import Paper, Summary

DEFAULT_PROMPT = "summary_v1"

# The paper's text must not be able to close the <paper>/<abstract> frame it is quoted in.
_FRAME_RE = re.compile(r"<\s*/?\s*(paper|abstract|fulltext)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Prompt:
    version: str
    system: str
    user: str

    def values(self, paper: Paper, language: str) -> dict[str, str]:
        """What the template's {{placeholders}} are filled with."""
        return {
            "language": language,
            "arxiv_id": paper.id,
            "title": _quote(paper.title),
            "abstract": _quote(paper.abstract),
            "fields": field_list(),
        }

    def messages(self, paper: Paper, language: str) -> list[dict[str, str]]:
        values = self.values(paper, language)
        return [
            {"role": "system", "content": _fill(self.system, values)},
            {"role": "user", "content": _fill(self.user, values)},
        ]


def protect(text: str) -> str:
    """Text quoted in the prompt, with anything that would open or close one of its frames defused."""
    return _FRAME_RE.sub(lambda m: m.group(0).replace("<", "‹"), text)


def _quote(text: str) -> str:
    return protect(" ".join(text.split()))


def _fill(template: str, values: dict[str, str]) -> str:
    # {{name}} placeholders, not str.format: prompts contain LaTeX and JSON braces.
    return re.sub(r"\{\{(\w+)\}\}", lambda m: values[m.group(1)], template)


@cache
def load_prompt(name: str = DEFAULT_PROMPT) -> Prompt:
    text = resources.files("arxiv_digest.summarize").joinpath(f"prompts/{name}.txt").read_text("utf-8")
    head, rest = text.split("\n", 1)
    if not head.startswith("version:"):
        raise ValueError(f"prompt {name} has no 'version:' line")  # a packaging bug, not user input
    system, user = rest.split("=== user ===\n", 1)
    system = system.removeprefix("=== system ===\n")
    return Prompt(head.removeprefix("version:").strip(), system.strip(), user.strip())


@cache
def field_descriptions() -> dict[str, str]:
    return {name: f.description or "" for name, f in Summary.model_fields.items()}


def field_list() -> str:
    lines = []
    for name, f in Summary.model_fields.items():
        lines.append(f'  "{name}": {f.description}')
    return "\n".join(lines)


@cache
def summary_schema() -> dict[str, Any]:
    """Summary's JSON schema in the strict form structured-output endpoints accept."""
    schema = Summary.model_json_schema()
    props = {}
    for name, p in schema["properties"].items():
        p = {k: v for k, v in p.items() if k not in ("title", "default")}
        props[name] = p
    return {
        "type": "object",
        "properties": props,
        "required": list(props),
        "additionalProperties": False,
    }


# Bounds for the grammar llama.cpp builds from the schema: no empty field, and no field that runs on
# until the token limit (small models repeat themselves). Far above what a summary of an abstract needs.
_MAX_CHARS = {"tldr": 400, "motivation": 600, "method": 600, "result": 600, "conclusion": 600}


@cache
def grammar_schema() -> dict[str, Any]:
    """The schema for json_object + schema (llama.cpp): the strict one with length bounds. Kept out of
    the json_schema mode, where strict validators (OpenAI's) reject minLength/maxLength."""
    schema = summary_schema()
    props = {}
    for name, p in schema["properties"].items():
        if name in _MAX_CHARS:
            p = {**p, "minLength": 1, "maxLength": _MAX_CHARS[name]}
        elif p.get("type") == "array":
            p = {**p, "items": {"type": "string", "minLength": 1, "maxLength": 60}, "maxItems": 5}
        props[name] = p
    return {**schema, "properties": props}
