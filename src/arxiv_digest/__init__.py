"""arxiv-digest: each day's new arXiv papers, summarized into a digest."""

__version__ = "0.1.0"
USER_AGENT_NAME = "arxiv-digest"
