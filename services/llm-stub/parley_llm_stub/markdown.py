"""The ``[stub:markdown]`` reply: a realistic markdown answer (heading, fenced Python code, a
table, a list, a link), so a client's rendering can be tested. Split into pieces once, at import.
"""

from __future__ import annotations

import re

# What the code block holds, exactly: clients' copy buttons are checked against it.
MARKDOWN_CODE = '''import csv
from pathlib import Path


def total(path: Path, column: str) -> float:
    """Sum one numeric column of a CSV file."""
    with path.open(newline="") as handle:
        return sum(float(row[column]) for row in csv.DictReader(handle))


print(total(Path("sales.csv"), "amount"))'''

MARKDOWN_REPLY = f"""## Reading a CSV file in Python

Here is a small, dependency-free way to load a CSV file and add up one column:

```python
{MARKDOWN_CODE}
```

How the common approaches compare:

| Approach | Extra dependency | Memory use | Best for |
| --- | --- | --- | --- |
| `csv.DictReader` | none | one row at a time | files of any size |
| `pandas.read_csv` | pandas | the whole file | analysis and plotting |
| `polars.scan_csv` | polars | lazy, streamed | large files, fast queries |

Things to keep in mind:

- Open the file with `newline=""`, as the **csv** documentation advises.
- Convert values yourself: every field arrives as a string.
- For very large files, prefer a streaming reader over loading everything.

See the [csv module documentation](https://docs.python.org/3/library/csv.html) for the details."""

# Each piece is a word with the whitespace before it (newlines and indentation included), so
# the pieces stream like other replies and join back to the exact text.
MARKDOWN_PIECES: tuple[str, ...] = tuple(re.findall(r"\s*\S+", MARKDOWN_REPLY))
