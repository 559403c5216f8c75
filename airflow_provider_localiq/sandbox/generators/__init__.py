"""Deterministic data behind the sandbox: campaigns, daily metrics and CRM records."""

from __future__ import annotations
