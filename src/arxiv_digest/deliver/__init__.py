"""Deliver stage: the day's digest by e-mail."""

from __future__ import annotations

from .email import EmailReport, build_message, send_digest, send_message, subject

__all__ = ["EmailReport", "build_message", "send_digest", "send_message", "subject"]
