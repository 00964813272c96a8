"""Parley chat service: verified tokens, Agno agents on PostgreSQL, SSE replies."""

import os

# agno reads this when it is imported; the service must never phone home.
os.environ["AGNO_TELEMETRY"] = "false"
