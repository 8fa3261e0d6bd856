"""The LaTeXML parser on real arxiv.org/html pages (tests/fixtures/arxiv-html/, see its SOURCES.txt) and the
token budget that decides what of a paper goes into the prompt."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from arxiv_digest.sources.latexml import FullText, NoFullText, Section, classify, parse_latexml
from arxiv_digest.summarize.grounded import CHARS_PER_TOKEN, fit_text
from fake_arxiv import html_error_page, no_html_page

HTML = Path(__file__).parent / "fixtures" / "arxiv-html"
CHROME = ("Report Issue", "Report issue", "Instructions for reporting errors", "independent nonprofit", "Why HTML?",
          "License:", "Back to arXiv", "view the build logs", "gratefully acknowledge", "Table of Contents",
          "References", "Refer to caption", "arXiv:2")  # fmt: skip


def parse(name: str) -> FullText:
    return parse_latexml((HTML / name).read_bytes())


def text(ft: FullText) -> str:
    return "\n\n".join(f"{s.title}\n{s.text}" for s in ft.sections)


# (page, [(role, title), ...] in order): every format and field we have
PAGES = {
    "arxiv-html_2508.08468v6_2026.html": [
        ("introduction", "Introduction"), ("background", "Related Work"),
        ("method", "Problem Formulation: Audio–Visual Speech Enhancement"), ("method", "Proposed Solution"),
        ("results", "Experimental Results"), ("conclusion", "CONCLUSION")],
    "arxiv-html_2509.16375v1_2025.trimmed.html": [
        ("introduction", "Introduction"), ("method", "Methodology"), ("conclusion", "Conclusion"),
        ("limitations", "Limitations and Ethical Considerations")],
    "arxiv-html_2509.19271v3_2025.trimmed.html": [
        ("introduction", "Introduction"), ("method", "Data collection"), ("conclusion", "Conclusion")],
    "arxiv-html_2509.19001v1_2025.trimmed.html": [("introduction", "Introduction"), ("conclusion", "CONCLUSION")],
    "arxiv-html_2509.19592v1_2025.trimmed.html": [("introduction", "Introduction"), ("conclusion", "Conclusion")],
    "ar5iv_2303.17564_2024.trimmed.html": [
        ("introduction", "Introduction"), ("method", "Training Run"),
        ("limitations", "Ethics, Limitations, and Implications"), ("conclusion", "Conclusion")],
    "arxiv-html_2609.03768v1_2026.excerpt.html": [("introduction", "Introduction")],
    "arxiv-html_2609.04056v1_2026.excerpt.html": [("introduction", "Introduction")],
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(PAGES))
def test_real_pages_split_into_sections_by_role(name: str) -> None:
    ft = parse(name)
    assert [(s.role, s.title) for s in ft.sections] == PAGES[name]
    assert all(s.text.strip() for s in ft.sections)


@pytest.mark.parametrize("name", sorted(PAGES))
def test_page_chrome_title_block_and_markup_are_gone(name: str) -> None:
    body = text(parse(name))
    for phrase in CHROME:
        assert phrase not in body, phrase
    assert "<" not in re.sub(r"\$[^$]*\$", "", body).replace("<->", "")  # no markup outside math
    assert "\ue000" not in body and "  " not in body


def test_bibliography_footnotes_figure_and_table_bodies_are_dropped_captions_kept() -> None:
    body = text(parse("arxiv-html_2508.08468v6_2026.html"))
    assert "Real-time lightweight chaotic encryption" not in body and "Cited by" not in body  # bibliography
    assert "Bandwidth Class" not in body and "Very low" not in body  # a table's cells
    wolof = text(parse("arxiv-html_2509.19271v3_2025.trimmed.html"))
    assert "[Figure 1: A query translated in French and Wolof]" in wolof
    assert "Table 2: WolBanking77 dataset split]" in wolof and "Median Word Count" not in wolof
    assert "[Table 3: List of intents.]" in wolof and "PAY_BILL" not in wolof  # an inline table
    assert "Whisper-UT" not in parse("arxiv-html_2509.16375v1_2025.trimmed.html").sections[0].text[:40]


def test_math_is_kept_as_its_latex() -> None:
    whisper = text(parse("arxiv-html_2509.16375v1_2025.trimmed.html"))
    assert "$X=(x_{1},x_{2},\\cdots,x_{T})$" in whisper  # inline
    assert "$$P(Z|X) =\\sum_{Y^{\\prime}}P(Z,Y^{\\prime}|X)$$" in whisper  # a displayed, aligned equation row
    assert "\\displaystyle" not in whisper and "𝑋" not in whisper  # no MathML glyphs
    physics = text(parse("arxiv-html_2609.03768v1_2026.excerpt.html"))
    assert "a field $u_{\\theta}(x)$ and determine" in physics and "$\\partial_{x}\\nabla^{2j}$" in physics
    maths = text(parse("arxiv-html_2609.04056v1_2026.excerpt.html"))
    assert "$$\\dot{x}(t)=f_{0}(x(t))+u_{1}(t)f_{1}(x(t))+\\dotsb+u_{q}(t)f_{q}(x(t))$$" in maths
    assert "(1.1)" not in maths.split("$$")[2][:10]  # the equation number tag is not glued to the formula
    assert "### 1.1 Small-time local controllability of control-affine systems" in maths  # subsection heading


def test_latexml_errors_are_counted_and_their_macro_names_dropped() -> None:
    ft = parse("arxiv-html_2509.19271v3_2025.trimmed.html")
    assert ft.errors == 1 and "tipaencoding" not in text(ft)
    assert parse("arxiv-html_2508.08468v6_2026.html").errors == 0


def test_maths_page_authors_thanks_and_in_article_contents_are_dropped() -> None:
    body = text(parse("arxiv-html_2609.04056v1_2026.excerpt.html"))
    assert "Beauchard" not in body and "IRMAR" not in body and "Contents" not in body
    assert "factor-parity" not in body  # the abstract comes from the metadata, not from here
    assert body.count("Introduction") == 1


def test_report_issue_buttons_of_a_page_saved_after_arxivs_script_ran_are_dropped() -> None:
    """arXiv's feedbackOverlay.js adds these buttons in the browser; a page saved afterwards carries them.
    Built from the real 2508.08468v6 page by adding the button the script adds after each paragraph."""
    page = (HTML / "arxiv-html_2508.08468v6_2026.html").read_text("utf-8")
    button = '<button class="sr-only button" style="display: none;">Report issue for preceding element</button>'
    saved = page.replace("</p>", "</p>" + button)
    assert saved.count("Report issue for preceding element") > 20
    assert "Report issue" not in text(parse_latexml(saved))
    assert text(parse_latexml(saved)) == text(parse("arxiv-html_2508.08468v6_2026.html"))


def test_no_full_text_a_failed_conversion_the_404_page_an_error_page_nothing() -> None:
    with pytest.raises(NoFullText, match="failed conversion"):
        parse("arxiv-html_2608.30667v1_2026.failed-conversion.html")
    with pytest.raises(NoFullText, match=r"arXiv has no HTML version \(No HTML for '2601.00001v1'\)"):
        parse_latexml(no_html_page("2601.00001v1"))
    error_page = html_error_page().body
    assert error_page is not None
    with pytest.raises(NoFullText, match=r"not a LaTeXML paper page \(We are experiencing difficulties"):
        parse_latexml(error_page)
    for junk in (b"", b"   ", b"\x00\x01binary"):
        with pytest.raises(NoFullText):
            parse_latexml(junk)


def test_stored_form_round_trips() -> None:
    ft = parse("arxiv-html_2509.19271v3_2025.trimmed.html")
    again = FullText.from_json(ft.to_json())
    assert again.sections == ft.sections and again.errors == 1


@pytest.mark.parametrize(("title", "role"), [
    ("Introduction", "introduction"), ("Related work", "background"), ("Preliminaries", "background"),
    ("Methodology", "method"), ("Proof of the sufficient condition", "method"), ("Experimental Setup", "results"),
    ("Results and Discussion", "results"), ("Numerical tests and applications", "results"),
    ("Discussion", "discussion"), ("Summary and limitations", "conclusion"), ("Concluding remarks", "conclusion"),
    ("Limitations", "limitations"), ("Ethics Statement", "limitations"), ("Wolof language", "other"),
])  # fmt: skip
def test_section_titles_to_roles(title: str, role: str) -> None:
    assert classify(title) == role


def test_budget_keeps_each_key_section_in_field_order_and_respects_the_limit() -> None:
    ft = parse("arxiv-html_2508.08468v6_2026.html")  # 37,858 characters of text
    fitted = fit_text(ft, 1500)
    assert len(fitted) <= 1500 * CHARS_PER_TOKEN
    heads = re.findall(r"^## (.+)$", fitted, re.MULTILINE)
    assert heads == ["Introduction", "Problem Formulation: Audio–Visual Speech Enhancement", "Proposed Solution",
                     "Experimental Results", "CONCLUSION"]  # fmt: skip  (Related Work: no room left)
    assert fitted.count("[…]") >= 3  # long sections cut, marked
    # short sections give their unused share to the long ones
    whole = fit_text(ft, 100_000)
    assert "[…]" not in whole and whole.index("## CONCLUSION") < whole.index("## Related Work")
    assert len(whole) >= ft.chars


def test_budget_with_no_recognised_section_keeps_document_order() -> None:
    ft = FullText([Section("Definitions", "background", "d " * 500), Section("Main theorem", "other", "t " * 500)])
    fitted = fit_text(ft, 200)
    assert fitted.index("## Definitions") < fitted.index("## Main theorem")
    assert len(fitted) <= 200 * CHARS_PER_TOKEN
