"""JSON documents the sandbox serves, one module per endpoint family."""

from __future__ import annotations
