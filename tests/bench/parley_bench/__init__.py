"""Parley benchmarks: load generator, the AgentOS peer, and the report."""
