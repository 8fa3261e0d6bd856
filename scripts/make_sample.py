"""Build the bundled sample announcement day from the reference digest's 131 papers.

Reads tests/fixtures/seed-papers.json (made by scripts/seed_to_json.py) and writes, in arXiv's real
formats, what arXiv would have answered on 2026-01-28 for eess.SP + cs.LG + stat.ML:

- rss_eess.SP+cs.LG+stat.ML.xml   the combined RSS 2.0 feed (rss.arxiv.org/rss/eess.SP+cs.LG+stat.ML)
- api_1.xml, api_2.xml             query API answers (2026 serializer) for id_list batches of 100 and 31
- list_CAT.html                    the "new" listing page of each category (2024+ layout, new submissions)
- manifest.json                    the day, its categories and which request each file answers

The reference gives one category per paper, no versions, comments, licences or secondary categories:
those are left out rather than invented (every paper is v1, announce type "new", one category).
Titles and abstracts are written verbatim (properly escaped), so every parser gives them back exactly;
the listing pages do not apply arXiv's TeX-to-Unicode title conversion for that reason.

    python scripts/make_sample.py [--out DIR] [--seed FILE]
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import re
import sys
from pathlib import Path
from typing import Any
from urllib.parse import quote
from xml.sax.saxutils import escape as xml_escape

from markupsafe import escape as html_escape

from arxiv_digest.config import taxonomy

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "tests" / "fixtures" / "seed-papers.json"
OUT = ROOT / "src" / "arxiv_digest" / "data" / "sample"

DAY = "2026-01-28"
PUB_DATE = "Wed, 28 Jan 2026 00:00:00 -0500"  # the channel's pubDate: the announcement day, midnight ET
BUILD_DATE = "Wed, 28 Jan 2026 05:00:00 +0000"  # the feed is rebuilt around midnight ET
SUBMITTED = "2026-01-27T00:00:00Z"  # published/updated in the API (the reference has the day only)
API_UPDATED = "2026-01-28T05:00:00Z"
LISTING_DAY = "Wednesday, 28 January 2026"
BATCH = 100  # ids per query API request

Seed = dict[str, Any]


def categories_in_order(papers: list[Seed]) -> list[str]:
    return list(dict.fromkeys(p["category"] for p in papers))


# --- RSS ---------------------------------------------------------------------------------------


def rss_feed(papers: list[Seed]) -> str:
    cats = categories_in_order(papers)
    joined = "+".join(cats)
    head = (
        "<?xml version='1.0' encoding='UTF-8'?>\n"
        '<rss xmlns:arxiv="http://arxiv.org/schemas/atom" xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:atom="http://www.w3.org/2005/Atom" xmlns:content="http://purl.org/rss/1.0/modules/content/" '
        'version="2.0">\n'
        "  <channel>\n"
        f"    <title>{', '.join(cats)} updates on arXiv.org</title>\n"
        f"    <link>http://rss.arxiv.org/rss/{joined}</link>\n"
        f"    <description>{', '.join(cats)} updates on the arXiv.org e-print archive.</description>\n"
        f'    <atom:link href="http://rss.arxiv.org/rss/{joined}" rel="self" type="application/rss+xml"/>\n'
        "    <docs>http://www.rssboard.org/rss-specification</docs>\n"
        "    <language>en-us</language>\n"
        f"    <lastBuildDate>{BUILD_DATE}</lastBuildDate>\n"
        "    <managingEditor>rss-help@arxiv.org</managingEditor>\n"
        f"    <pubDate>{PUB_DATE}</pubDate>\n"
        "    <skipDays>\n      <day>Sunday</day>\n      <day>Saturday</day>\n    </skipDays>\n"
    )
    return head + "".join(rss_item(p) for p in papers) + "  </channel>\n</rss>\n"


def rss_item(p: Seed) -> str:
    # arXiv writes "Announce Type: new " with a space before the newline, then the abstract verbatim.
    return (
        "    <item>\n"
        f"      <title>{xml_escape(p['title'])}</title>\n"
        f"      <link>https://arxiv.org/abs/{p['id']}</link>\n"
        f"      <description>arXiv:{p['id']}v1 Announce Type: new \n"
        f"Abstract: {xml_escape(p['abstract'])}</description>\n"
        f'      <guid isPermaLink="false">oai:arXiv.org:{p["id"]}v1</guid>\n'
        f"      <category>{p['category']}</category>\n"
        f"      <pubDate>{PUB_DATE}</pubDate>\n"
        "      <arxiv:announce_type>new</arxiv:announce_type>\n"
        f"      <dc:creator>{xml_escape(', '.join(p['authors']))}</dc:creator>\n"
        "    </item>\n"
    )


# --- query API (2026 serializer) -----------------------------------------------------------------


def api_feed(papers: list[Seed]) -> str:
    ids = ",".join(p["id"] for p in papers)
    query = f"search_query=&id_list={ids}&start=0&max_results={BATCH}"
    # The feed id is a digest of the query, as arXiv's is; deterministic so regeneration is byte-identical.
    feed_id = base64.b64encode(hashlib.sha1(query.encode()).digest()).decode().rstrip("=")
    head = (
        "<?xml version='1.0' encoding='UTF-8'?>\n"
        '<feed xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/" xmlns:arxiv="http://arxiv.org/schemas/atom" '
        'xmlns="http://www.w3.org/2005/Atom">\n'
        f"  <id>https://arxiv.org/api/{feed_id}</id>\n"
        f"  <title>arXiv Query: {xml_escape(query)}</title>\n"
        f"  <updated>{API_UPDATED}</updated>\n"
        f'  <link href="https://arxiv.org/api/query?search_query=&amp;start=0&amp;max_results={BATCH}&amp;'
        f'id_list={ids}" type="application/atom+xml"/>\n'
        f"  <opensearch:itemsPerPage>{BATCH}</opensearch:itemsPerPage>\n"
        f"  <opensearch:totalResults>{len(papers)}</opensearch:totalResults>\n"
        "  <opensearch:startIndex>0</opensearch:startIndex>\n"
    )
    return head + "".join(api_entry(p) for p in papers) + "</feed>\n"


def api_entry(p: Seed) -> str:
    authors = "".join(f"    <author>\n      <name>{xml_escape(a)}</name>\n    </author>\n" for a in p["authors"])
    return (
        "  <entry>\n"
        f"    <id>http://arxiv.org/abs/{p['id']}v1</id>\n"
        f"    <title>{xml_escape(p['title'])}</title>\n"
        f"    <updated>{SUBMITTED}</updated>\n"
        f'    <link href="https://arxiv.org/abs/{p["id"]}v1" rel="alternate" type="text/html"/>\n'
        f'    <link href="https://arxiv.org/pdf/{p["id"]}v1" rel="related" type="application/pdf" title="pdf"/>\n'
        f"    <summary>{xml_escape(p['abstract'])}</summary>\n"
        f'    <category term="{p["category"]}" scheme="http://arxiv.org/schemas/atom"/>\n'
        f"    <published>{SUBMITTED}</published>\n"
        f'    <arxiv:primary_category term="{p["category"]}"/>\n'
        f"{authors}"
        "  </entry>\n"
    )


# --- listing pages (arxiv.org/list/CAT/new, 2024+ layout without the site chrome) -----------------


def listing_page(category: str, papers: list[Seed]) -> str:
    name = html_escape(taxonomy()[category])
    n = len(papers)
    paging = f"      <div class='paging'>Total of {n} entries \n    </div>\n"
    head = (
        '<!DOCTYPE html>\n<html lang="en">\n\n'
        f"<head>  <title>{name}  </title>\n"
        '  <meta name="viewport" content="width=device-width, initial-scale=1">\n'
        "</head>\n\n"
        '<body ><div class="flex-wrap-footer">\n    <main>\n      <div id="content">\n'
        "<div id='content-inner'>\n<div id='dlpage'>\n"
        f"  <h1>{name}</h1>\n\n"
        '<ul>\n  <li><a href="#item0">New submissions</a></li>\n</ul>\n\n'
        f'<p>See <a id="recent-{category}" aria-labelledby="recent-{category}" href="/list/{category}/recent">'
        "recent</a> articles</p>\n"
        f"<h3>Showing new listings for {LISTING_DAY}</h3>\n\n"
        f"{paging}\n"
        "      <dl id='articles'>\n"
        f"    <h3>New submissions (showing {n} of {n} entries)</h3>\n\n\n"
    )
    entries = "".join(listing_entry(p, i) for i, p in enumerate(papers, start=1))
    tail = f"</dl>\n\n{paging}\n</div>\n</div>      </div>\n    </main>\n  </div>\n\n</body>\n\n</html>\n"
    return head + entries + tail


def listing_entry(p: Seed, position: int) -> str:
    pid, cat = p["id"], p["category"]
    archive = cat.split(".")[0]
    authors = ", ".join(
        f'<a href="https://arxiv.org/search/{archive}?searchtype=author&amp;query={author_query(a)}">'
        f"{html_escape(a)}</a>"
        for a in p["authors"]
    )
    return (
        "    <dt>\n"
        f"      <a name='item{position}'>[{position}]</a>\n"
        f'      <a href ="/abs/{pid}" title="Abstract" id="{pid}">\n        arXiv:{pid}\n      </a>\n      \n'
        f'        [<a href="/pdf/{pid}" title="Download PDF" id="pdf-{pid}" aria-labelledby="pdf-{pid}">pdf</a>, '
        f'<a href="/format/{pid}" title="Other formats" id="oth-{pid}" aria-labelledby="oth-{pid}">other</a>]\n'
        "    </dt>\n"
        "    <dd>\n      <div class='meta'>\n"
        "        <div class='list-title mathjax'><span class='descriptor'>Title:</span>\n"
        f"          {html_escape(p['title'])}\n        </div>\n"
        f"        <div class='list-authors'>{authors}</div>\n\n"
        "        <div class='list-subjects'><span class='descriptor'>Subjects:</span>\n"
        f'          <span class="primary-subject">{html_escape(taxonomy()[cat])} ({cat})</span>\n'
        "        </div>\n\n"
        f"        <p class='mathjax'>\n          {abstract_html(p['abstract'])}\n        </p>\n"
        "      </div>\n    </dd>\n"
    )


def abstract_html(abstract: str) -> str:
    """arXiv's abstract_lf_to_br: an indented line (a paragraph break) becomes '\\n<br>'."""
    br = re.sub(r"((?<!^)\n +)", "\n<br>", str(html_escape(abstract)))
    return re.sub(r"\n\n", "\n", br)


def author_query(name: str) -> str:
    """arXiv's author search link: 'Octavia A. Dobre' -> 'Dobre,+O+A'."""
    parts = name.replace(".", " ").split()
    initials = [w[0] for w in parts[:-1]]
    return "+".join([quote(parts[-1], safe="-") + ",", *initials]) if parts else ""


# --- the day ------------------------------------------------------------------------------------


def build(papers: list[Seed]) -> dict[str, str]:
    """File name -> content for the whole sample day."""
    cats = categories_in_order(papers)
    files: dict[str, str] = {}
    requests: dict[str, str] = {}
    rss_name = f"rss_{'+'.join(cats)}.xml"
    files[rss_name] = rss_feed(papers)
    requests[f"rss/{'+'.join(cats)}"] = rss_name
    for n, start in enumerate(range(0, len(papers), BATCH), start=1):
        batch = papers[start : start + BATCH]
        files[f"api_{n}.xml"] = api_feed(batch)
        requests["api/query?id_list=" + ",".join(p["id"] for p in batch)] = f"api_{n}.xml"
    for cat in cats:
        files[f"list_{cat}.html"] = listing_page(cat, [p for p in papers if p["category"] == cat])
        requests[f"list/{cat}/new"] = f"list_{cat}.html"
    manifest = {
        "date": DAY,
        "categories": cats,
        "papers": len(papers),
        "counts": {cat: sum(p["category"] == cat for p in papers) for cat in cats},
        # Request -> file. Paths follow arXiv's URLs: rss/ under rss.arxiv.org, list/ under arxiv.org,
        # api/query under export.arxiv.org; API batches are keyed by their unversioned ids in feed order.
        "requests": requests,
    }
    files["manifest.json"] = json.dumps(manifest, indent=1) + "\n"
    return files


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=OUT, help="directory to write into (default: the package's)")
    ap.add_argument("--seed", type=Path, default=SEED, help="seed-papers.json to read")
    args = ap.parse_args(argv)
    papers = json.loads(args.seed.read_text("utf-8"))
    files = build(papers)
    args.out.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        (args.out / name).write_text(content, "utf-8", newline="\n")
    print(f"wrote {len(files)} files for {len(papers)} papers to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
