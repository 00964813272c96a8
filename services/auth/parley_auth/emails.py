"""One canonical form per email address: what uniqueness, login, throttling and lookups compare.

The address a user typed is kept for display and mail; every comparison uses
``canonical_email``: trimmed, Unicode NFKC (fullwidth letters, ligatures and other compatibility
forms fold into their plain letters), case-folded (``ß`` -> ``ss``), and the domain as IDNA
A-labels (punycode, ``xn--...``), the form DNS and mail servers use.
"""

from __future__ import annotations

import unicodedata

import idna

MAX_EMAIL_LENGTH = 320


def fold(text: str) -> str:
    """NFKC then case fold: compatibility and letter-case variants compare equal."""
    return unicodedata.normalize("NFKC", text).casefold()


def canonical_domain(domain: str) -> str:
    """``domain`` folded like the domain of ``canonical_email`` (A-labels, lower case)."""
    folded = fold(domain.strip()).rstrip(".")
    try:
        # UTS 46 maps what browsers map (e.g. the ideographic full stop) before encoding.
        return idna.encode(folded, uts46=True).decode("ascii")
    except idna.IDNAError:
        # Not a valid IDN: compare the folded text itself; validation is the schema's job.
        return folded


def canonical_email(email: str) -> str:
    """The form two addresses share exactly when they name the same account."""
    folded = fold(email.strip())
    local, at, domain = folded.rpartition("@")
    if not at:
        return folded[:MAX_EMAIL_LENGTH]
    return f"{local}@{canonical_domain(domain)}"[:MAX_EMAIL_LENGTH]


def local_part(email: str) -> str:
    """The name part (before the last ``@``) of the canonical form."""
    return canonical_email(email).rpartition("@")[0]
