"""Plan LocalIQ requests from operator arguments and turn their answers into table batches."""

from __future__ import annotations
