"""The OpenAI-compatible API under /api/v1: schemas, errors, stateless completions."""
