"""Settings precedence (flags > env > file > defaults), the old tool's env vars, and clear errors."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from arxiv_digest.config import load_settings, parse_categories, parse_date, taxonomy
from arxiv_digest.errors import ConfigError, InvalidCategory, InvalidDate


def test_defaults() -> None:
    s = load_settings(environ={})
    assert s.categories == ["cs.LG"]
    assert s.language == "Chinese"
    assert s.llm.model == "deepseek-chat"
    assert s.arxiv.delay_seconds == 3.0
    assert s.data_dir == Path("arxiv-digest-data")


def test_precedence_flags_over_env_over_file(tmp_path: Path) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text('categories = ["stat.ML"]\nlanguage = "English"\n[llm]\nmodel = "from-file"\n')
    env = {"MODEL_NAME": "from-env", "CATEGORIES": "cs.CL, cs.CV"}
    s = load_settings(cfg, environ=env)
    assert s.categories == ["cs.CL", "cs.CV"]  # env beats file
    assert s.language == "English"  # file beats default
    assert s.llm.model == "from-env"
    s = load_settings(cfg, {"llm.model": "from-flag", "language": None}, environ=env)
    assert s.llm.model == "from-flag"
    assert s.language == "English"  # a None flag means "not given"


def test_old_tool_environment_variables() -> None:
    env = {
        "CATEGORIES": "cs.CL, cs.CV",
        "LANGUAGE": "Japanese",
        "MODEL_NAME": "gpt-4o-mini",
        "OPENAI_API_KEY": "sk-secret-123",
        "OPENAI_BASE_URL": "https://api.example.org/v1",
    }
    s = load_settings(environ=env)
    assert s.categories == ["cs.CL", "cs.CV"]
    assert s.language == "Japanese"
    assert s.llm.model == "gpt-4o-mini"
    assert s.llm.base_url == "https://api.example.org/v1"
    assert s.llm.api_key is not None and s.llm.api_key.get_secret_value() == "sk-secret-123"
    assert "sk-secret-123" not in repr(s) and "sk-secret-123" not in str(s.model_dump())


def test_config_file_in_working_directory_is_read() -> None:
    Path("arxiv-digest.toml").write_text('categories = "eess.SP+cs.LG"\n')
    assert load_settings(environ={}).categories == ["eess.SP", "cs.LG"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [("cs.lg", ["cs.LG"]), ("cs.LG,cs.LG, stat.ML", ["cs.LG", "stat.ML"]), (["hep-th"], ["hep-th"])],
)
def test_parse_categories(value: str | list[str], expected: list[str]) -> None:
    assert parse_categories(value) == expected


def test_unknown_category_names_it() -> None:
    with pytest.raises(InvalidCategory, match=r"unknown arXiv category 'cs\.XX'"):
        load_settings(environ={"CATEGORIES": "cs.LG, cs.XX"})


def test_taxonomy_is_complete_enough() -> None:
    tax = taxonomy()
    assert len(tax) > 150
    for code in ["cs.LG", "stat.ML", "eess.SP", "hep-th", "astro-ph.CO", "q-fin.TR", "math.OC", "quant-ph"]:
        assert code in tax


def test_dates() -> None:
    assert parse_date("2026-01-28") == date(2026, 1, 28)
    for bad in ["2026-02-30", "28/01/2026", "yesterday", ""]:
        with pytest.raises(InvalidDate, match="invalid date"):
            parse_date(bad)


def test_malformed_toml_is_one_clear_error(tmp_path: Path) -> None:
    cfg = tmp_path / "bad.toml"
    cfg.write_text("categories = [\n")
    with pytest.raises(ConfigError, match=r"malformed config .*bad\.toml"):
        load_settings(cfg, environ={})


def test_unknown_key_and_wrong_type_are_named(tmp_path: Path) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text("[arxiv]\ndelay_secs = 1\n")
    with pytest.raises(ConfigError, match=r"arxiv\.delay_secs"):
        load_settings(cfg, environ={})
    cfg.write_text('[arxiv]\ndelay_seconds = "soon"\n')
    with pytest.raises(ConfigError, match=r"arxiv\.delay_seconds"):
        load_settings(cfg, environ={})


def test_missing_config_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="config file not found"):
        load_settings(tmp_path / "nope.toml", environ={})


@pytest.mark.parametrize("value", ["5", "[1, 2]", '["cs.LG", 3]', "true"])
def test_categories_of_the_wrong_type_are_a_clear_error(tmp_path: Path, value: str) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text(f"categories = {value}\n")
    with pytest.raises(ConfigError, match=r"^invalid setting categories in .*c\.toml: expected category codes"):
        load_settings(cfg, environ={})


def test_a_bad_environment_variable_is_named() -> None:
    """The user set ARXIV_DIGEST_DELAY, not 'arxiv.delay_seconds': the message names what they typed."""
    with pytest.raises(ConfigError, match=r"^invalid setting arxiv\.delay_seconds \(from ARXIV_DIGEST_DELAY\): "):
        load_settings(environ={"ARXIV_DIGEST_DELAY": "soon"})
    with pytest.raises(ConfigError, match=r"\(from SMTP_PORT\)"):
        load_settings(environ={"SMTP_PORT": "twenty-five"})


def test_a_bad_file_value_names_the_file(tmp_path: Path) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text('[arxiv]\ndelay_seconds = "soon"\n')
    with pytest.raises(ConfigError, match=r"^invalid setting arxiv\.delay_seconds in .*c\.toml: "):
        load_settings(cfg, environ={})


@pytest.mark.parametrize(
    ("var", "value"),
    [("ARXIV_DIGEST_RSS_URL", "rss.arxiv.org/rss"), ("ARXIV_DIGEST_API_URL", "ftp://export.arxiv.org/api/query"),
     ("ARXIV_DIGEST_LISTING_URL", "https://"), ("OPENAI_BASE_URL", "api.deepseek.com")],
)  # fmt: skip
def test_a_url_without_http_is_bad_input_not_minutes_of_retries(var: str, value: str) -> None:
    with pytest.raises(ConfigError, match=rf"\(from {var}\): expected an http:// or https:// URL, got '{value}'$"):
        load_settings(environ={var: value})


def test_a_contact_that_cannot_go_into_a_header_is_bad_input(tmp_path: Path) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text('contact = "me@example.org\\r\\nX-Evil: 1"\n')
    with pytest.raises(ConfigError, match=r"^invalid setting contact in .*: must be one line of printable text"):
        load_settings(cfg, environ={})
    assert load_settings(environ={"ARXIV_DIGEST_CONTACT": " me@example.org "}).contact == "me@example.org"


def test_an_empty_language_is_bad_input() -> None:
    with pytest.raises(ConfigError, match="language"):
        load_settings(overrides={"language": "  "}, environ={})
    assert load_settings(environ={"LANGUAGE": " Japanese "}).language == "Japanese"


def test_feeds_notify_and_site_url_settings(tmp_path: Path) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text('[output]\nsite_url = "https://me.github.io/digest/"\n[feeds]\ndays = 3\n'
                   '[[feeds.searches]]\nname = "Diffusion"\nquery = "diffusion 扩散"\n', "utf-8")  # fmt: skip
    env = {"ARXIV_DIGEST_NOTIFY_URLS": "tgram://tok/1 json://h/x?a=1,b=2, ntfy://topic\nmailto://u:p@x.org?to=a@x,b@x"}
    s = load_settings(cfg, environ=env)
    assert s.output.site_url == "https://me.github.io/digest/" and s.feeds.days == 3
    assert [(q.name, q.query) for q in s.feeds.searches] == [("Diffusion", "diffusion 扩散")]
    assert [u.get_secret_value() for u in s.notify.urls] == [
        "tgram://tok/1", "json://h/x?a=1,b=2", "ntfy://topic", "mailto://u:p@x.org?to=a@x,b@x"]  # fmt: skip
    with pytest.raises(ConfigError, match=r"invalid setting output.site_url \(from ARXIV_DIGEST_SITE_URL\)"):
        load_settings(environ={"ARXIV_DIGEST_SITE_URL": "me.github.io"})
