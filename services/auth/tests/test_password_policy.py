"""The password policy and the email canonical form, as pure functions."""

from __future__ import annotations

import random
import string
import time

import pytest
from parley_auth.emails import canonical_email
from parley_auth.password_policy import password_problem

from .conftest import fullwidth

EMAIL = "carol.smith@example.com"


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("password1234", "common password"),
        (" " * 12, "only spaces"),
        ("a" * 12, "Repeats"),
        ("qwertyuiop123", "too easy to guess"),
        ("P@$$w0rd!2024", "too easy to guess"),
        ("carol.smith@example.com", "email"),
        ("CAROL.SMITH-rocks-2024", "email"),
        ("short", "at least 12"),
        ("x" * 129, "at most 128"),
    ],
)
def test_weak_passwords_are_refused_with_a_reason(password: str, reason: str) -> None:
    problem = password_problem(password, EMAIL)
    assert problem is not None and reason in problem


@pytest.mark.parametrize(
    "password",
    [
        "correct horse battery staple",
        "a long enough passphrase",
        "resilience-Password-123",
        "bench-password-Long-enough-123",
        "Vx9#qLm2!rTz",
        ("quiet lantern orbit " * 7)[:128],
    ],
)
def test_good_passwords_pass(password: str) -> None:
    assert password_problem(password, EMAIL) is None


def test_the_check_stays_fast_for_any_128_characters() -> None:
    lookalikes = "!$%(+0123456789<@[{|ab"
    generator = random.Random(7)
    worst = 0.0
    for i in range(40):
        alphabet = lookalikes if i % 2 else string.printable[:94]
        password = "".join(generator.choice(alphabet) for _ in range(128))
        started = time.perf_counter()
        password_problem(password, EMAIL)
        worst = max(worst, time.perf_counter() - started)
    # zxcvbn on the whole input took 4 to 12 s for such strings.
    assert worst < 0.5


@pytest.mark.parametrize(
    ("typed", "canonical"),
    [
        (" Alice@Example.COM ", "alice@example.com"),
        (
            fullwidth("ALICE") + "@" + fullwidth("example.com"),
            "alice@example.com",
        ),  # fullwidth letters and dot
        ("ﬁnn@example.com", "finn@example.com"),  # ligature
        ("Straße@example.com", "strasse@example.com"),  # case fold, not lower()
        ("jo@Bücher.DE", "jo@xn--bcher-kva.de"),  # IDN as A-labels
        ("jo@xn--bcher-kva.de", "jo@xn--bcher-kva.de"),
    ],
)
def test_canonical_email(typed: str, canonical: str) -> None:
    assert canonical_email(typed) == canonical
