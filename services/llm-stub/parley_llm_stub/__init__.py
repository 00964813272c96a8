"""Parley LLM stub: an offline, OpenAI-compatible STUB model server (canned replies, no model).

Replies are deterministic: ``"Stub reply to: <first 8 words of the last user message> <filler>."``,
``reply_words`` words long, streamed one word per chunk. Any model name is served: every chunk's
``model`` (and a non-streamed answer's) is the name the request asked for, so tests can see
which model answered. Markers, read from the last user message only (so the next message
works) and removed before the reply is made:

- ``[stub:error500]``  HTTP 500 with an OpenAI error JSON whose message holds a fake secret
  (``sk-stub-SECRET-...``), to prove callers don't pass provider text on.
- ``[stub:status=N]``  HTTP N (400..599) with the same error JSON (e.g. 429, 503).
- ``[stub:cut]``       a few words, then the connection drops (no finish chunk, no ``[DONE]``).
- ``[stub:hang]``      nothing at all (no headers) until the client gives up.
- ``[stub:stall]``     headers and a few words, then nothing until the client gives up.
- ``[stub:malformed]`` a few words, then a ``data:`` line that is not JSON (then ``[DONE]``).
- ``[stub:slow]``      200 ms between words (``slow_delay_ms``), for cancel/disconnect tests.
- ``[stub:delay=MS]``  MS milliseconds between words.
- ``[stub:words=N]``   a reply of N words.
- ``[stub:markdown]``  a realistic markdown answer instead (``markdown.py``: a heading, a fenced
  ```` ```python ```` block, a table, a list, a link), streamed a word at a time like any reply.

Non-streaming requests fail alike (500; half a body then a drop; hang; invalid JSON body).
Server-wide: ``GET/POST/DELETE /stub/config`` (read, change, reset ``fail_mode``, ``reply_words``,
``delay_ms``, ``first_token_delay_ms``, ``slow_delay_ms``, ``model``); ``GET/DELETE
/stub/requests`` (the last 200 request bodies, oldest first); ``GET /stub/stats``
(``requests_total``, ``in_flight``); ``GET /healthz``.
"""
