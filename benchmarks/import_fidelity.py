"""Import daily-arXiv-ai-enhanced's real days and compare our Markdown with that tool's own, byte for byte.

    git clone --depth 1 --branch data https://github.com/dw-dengwei/daily-arXiv-ai-enhanced dae
    python benchmarks/import_fidelity.py dae/data

Each day's `YYYY-MM-DD_AI_enhanced_<Language>.jsonl` is imported into a store of its own and rendered as
Markdown with the categories in the order of that day's own `YYYY-MM-DD.md`; the two files are compared.
Where they differ, each paper's section is compared: a section whose TL;DR is that tool's failure
placeholder ("Summary generation failed") is expected to differ (we show such a paper as pending, with its
abstract); any other difference is a fault and is printed. The last line is machine-readable.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
from datetime import date
from pathlib import Path

from arxiv_digest.render.jsonl import import_file
from arxiv_digest.render.markdown import render_markdown
from arxiv_digest.store import Store

PLACEHOLDER = "TL;DR: Summary generation failed"
TOC_ENTRY = re.compile(r"^- \[([^\]]+)\]\(#", re.M)


def ours(ai_file: Path, theirs: str) -> str:
    """Our Markdown for the day of `ai_file`, its categories in the order `theirs` lists them."""
    language = ai_file.stem.split("_AI_enhanced_")[1]
    with tempfile.TemporaryDirectory() as tmp, Store.open(Path(tmp)) as store:
        import_file(store, ai_file)
        day = date.fromisoformat(ai_file.name[:10])
        return render_markdown(store.load_day(day, TOC_ENTRY.findall(theirs), language))


def other_differences(theirs: str, mine: str) -> list[str]:
    """The paper sections that differ for a reason other than the other tool's placeholder."""
    a, b = theirs.split("\n### ["), mine.split("\n### [")
    if len(a) != len(b):
        return [f"{len(a) - 1} papers in theirs, {len(b) - 1} in ours"]
    return [x.split("\n", 1)[0][:80] for x, y in zip(a, b, strict=True) if x != y and PLACEHOLDER not in x]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("data", type=Path, help="the data/ folder of a checkout of that tool's data branch")
    args = ap.parse_args()
    days = identical = placeholder_days = placeholder_papers = faults = 0
    for md in sorted(args.data.glob("????-??-??.md")):
        ai_files = sorted(args.data.glob(f"{md.stem}_AI_enhanced_*.jsonl"))
        if not ai_files:
            continue
        days += 1
        theirs = md.read_text("utf-8")
        mine = ours(ai_files[0], theirs)
        if mine == theirs:
            identical += 1
            continue
        if PLACEHOLDER in theirs:
            placeholder_days += 1
            placeholder_papers += theirs.count(PLACEHOLDER)
        for what in other_differences(theirs, mine):
            faults += 1
            print(f"{md.stem}: differs: {what}")
    print(f"{days} days: {identical} identical; {placeholder_days} differ where that tool published "
          f"{placeholder_papers} failure placeholders (we show those papers pending, with their abstract)")
    print(f"RESULT days={days} identical={identical} placeholder_days={placeholder_days} "
          f"placeholder_papers={placeholder_papers} other_differences={faults}")
    sys.exit(1 if faults else 0)


if __name__ == "__main__":
    main()
