"""Deliver stage: the day's digest by e-mail, and its top picks as push notifications (notify.py)."""

from __future__ import annotations

from .email import EmailReport, build_message, send_digest, send_message, subject
from .notify import NotifyReport, notify_day

__all__ = ["EmailReport", "NotifyReport", "build_message", "notify_day", "send_digest", "send_message", "subject"]
