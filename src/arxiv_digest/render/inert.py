"""Text from arXiv, an LLM or an import file made inert inside Markdown, with as few bytes changed as possible.

Markdown renderers that allow HTML pass tags through, and in the reference format the Motivation line sits
inside a raw HTML block (right after `<summary>Details</summary>`), where the browser's own tokenizer reads
it. So tags are judged as a browser would read them (a tag name runs to a space, `/` or `>`), and a `<`
that starts something that would act becomes `&lt;`, which every renderer shows as `<`:
- a tag whose attributes act: event handlers (`on...=`), `style=`, and the attributes that load or
  navigate (`href=`, `src=`, `srcdoc=`, `action=`...), except a link's `href` to an http(s) address, which
  is what a Markdown link gives too (arXiv's own abstracts have `<a href="https://...">this https URL</a>`);
- tags that run code, swallow the rest of the page or break the digest's own structure, even bare:
  `<script>`, `<style>`, `<iframe>`, `<svg>`, `</details>`, `<summary>`, `<div>`...;
- comments, declarations, CDATA and processing instructions (`<!--`, `<!DOCTYPE`, `<?`);
- autolinks and link destinations with a script scheme (`<javascript:...>`, `](javascript:...)`).
Everything else stays byte for byte: `p<0.05`, `<1%`, `$n<k$ and $m>2$`, `a<b>c`, and tokens such as
`<SEP>` or `<image>` (an element whose attributes cannot act does nothing), so real text keeps the
reference format.
"""

from __future__ import annotations

import re

_DANGEROUS_NAMES = (
    "script style textarea title xmp plaintext listing iframe frame frameset noembed noframes noscript template "
    "svg math object embed applet portal form input button select option base link meta html head body "
    "details summary div dialog"
)
# Bare elements that still act: scripts and styles, raw-text elements that swallow what follows, foreign
# content (svg, math: another parser), embedded documents, forms, document-level tags, and the digest's own
# structure (<details>, <summary>, <div>).
DANGEROUS = frozenset(_DANGEROUS_NAMES.split())
# Attributes that act on any element, besides the on* event handlers.
_ACTING_NAMES = ("style href src srcset srcdoc action formaction data poster background xlink:href ping lowsrc "
                 "dynsrc code codebase archive manifest is")
ACTING_ATTRIBUTES = frozenset(_ACTING_NAMES.split())

_TAG = re.compile(r"<(/?)([A-Za-z][^\s/><]*)")  # a browser's tag open: a letter, then up to space, / or >
_ATTRIBUTE = re.compile(r"""[\s/]*([^\s/>=]+)(\s*=\s*(?:"[^"]*"?|'[^']*'?|[^\s>]*))?""")
_MARKUP = re.compile(r"<(?=[!?])")
_SCHEME = r"(?:j\s*a\s*v\s*a\s*s\s*c\s*r\s*i\s*p\s*t|v\s*b\s*s\s*c\s*r\s*i\s*p\s*t|d\s*a\s*t\s*a|f\s*i\s*l\s*e)\s*:"
_SCRIPT_LINK = re.compile(rf"(<|\]\()(?=\s*<?\s*{_SCHEME})", re.IGNORECASE)


def _web_address(assignment: str) -> bool:
    """Whether `="..."` (quoted or not) gives an http(s) address."""
    value = assignment.lstrip()[1:].lstrip()  # after the '='
    value = value[1:] if value[:1] in ("'", '"') else value
    return value[:8].lower().startswith(("https://", "http://"))


def _acting_attribute(text: str, pos: int, tag: str) -> bool:
    """Whether the attributes from `pos` to the tag's end include one that acts (an unclosed quote runs on)."""
    while pos < len(text) and text[pos] != ">":
        m = _ATTRIBUTE.match(text, pos)
        if m is None or m.end() == pos:
            pos += 1  # a lone '=' or '/': the browser skips it too
            continue
        name = m.group(1).lower()
        web_link = tag == "a" and name == "href" and _web_address(m.group(2) or "")
        if m.group(2) and (name.startswith("on") or name in ACTING_ATTRIBUTES) and not web_link:
            return True
        pos = m.end()
    return False


def _acts(m: re.Match[str], text: str) -> bool:
    tag = m.group(2).lower()
    if tag in DANGEROUS:
        return True
    return not m.group(1) and _acting_attribute(text, m.end(), tag)  # an end tag's attributes are ignored


def inert(text: str) -> str:
    """`text` with every HTML tag, comment or script link that would act turned into plain text."""
    if "<" not in text and "](" not in text:
        return text  # the common case: nothing that could be markup
    text = _TAG.sub(lambda m: "&lt;" + m.group()[1:] if _acts(m, text) else m.group(), text)
    text = _MARKUP.sub("&lt;", text)
    return _SCRIPT_LINK.sub(lambda m: "&lt;" if m.group(1) == "<" else "]\\(", text)
