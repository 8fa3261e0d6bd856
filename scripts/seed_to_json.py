"""Parse the reference digest (tests/fixtures/seed-digest.md) into structured JSON.

The JSON (tests/fixtures/seed-papers.json) feeds the sample-day generator, the fake LLM's recorded
answers and the golden test. The parse is checked by re-rendering the digest and comparing bytes.

    python scripts/seed_to_json.py
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "tests" / "fixtures" / "seed-digest.md"
OUT = ROOT / "tests" / "fixtures" / "seed-papers.json"

ENTRY = re.compile(
    r"### \[(?P<n>\d+)\] \[(?P<title>[^\n]*)\]\(https://arxiv\.org/abs/(?P<id>[^)]+)\)\n"
    r"\*(?P<authors>[^\n]*)\*\n\n"
    r"Main category: (?P<category>\S+)\n\n"
    r"TL;DR: (?P<tldr>.*?)\n\n\n<details>\n  <summary>Details</summary>\n"
    r"Motivation: (?P<motivation>.*?)\n\n"
    r"Method: (?P<method>.*?)\n\n"
    r"Result: (?P<result>.*?)\n\n"
    r"Conclusion: (?P<conclusion>.*?)\n\n"
    r"Abstract: (?P<abstract>.*?)\n\n</details>\n",
    re.S,
)


def parse(text: str) -> list[dict[str, object]]:
    papers = []
    for m in ENTRY.finditer(text):
        d = m.groupdict()
        papers.append(
            {
                "index": int(d["n"]),
                "id": d["id"],
                "title": d["title"],
                "authors": d["authors"].split(","),
                "category": d["category"],
                "tldr": d["tldr"],
                "motivation": d["motivation"],
                "method": d["method"],
                "result": d["result"],
                "conclusion": d["conclusion"],
                "abstract": d["abstract"],
            }
        )
    return papers


def main() -> int:
    text = SEED.read_text("utf-8")
    papers = parse(text)
    if len(papers) != text.count("\n### ["):
        print(f"parsed {len(papers)} entries, digest has {text.count(chr(10) + '### [')}", file=sys.stderr)
        return 1
    OUT.write_text(json.dumps(papers, ensure_ascii=False, indent=1) + "\n", "utf-8")
    print(f"wrote {len(papers)} papers to {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
