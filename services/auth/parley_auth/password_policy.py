"""Password policy: 12..128 characters, not a common or guessable password, not the email.

Strength comes from zxcvbn (Dropbox's estimator; its ranked lists include the 30,000 most
common passwords of public breaches). zxcvbn's l33t matcher grows exponentially with the
number of look-alike characters and its dictionary pass with the square of the length, so the
estimate runs on a bounded prefix with a bounded set of substitutions: under ~50 ms for any
128-character input instead of seconds.
"""

from __future__ import annotations

from typing import Any

from zxcvbn import feedback, matching, scoring

from parley_auth.emails import canonical_email, fold, local_part

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 128
# zxcvbn's scale: 3 is "safely unguessable" (about 10^10 guesses), enough behind argon2id.
MIN_SCORE = 3
# The strength of a password is judged on its first characters: a strong start is a strong
# password, and a longer input would only cost time.
ESTIMATED_PREFIX = 40
# At most this many look-alike substitution maps are tried (each one re-runs the dictionaries).
MAX_L33T_SUBSTITUTIONS = 16
# Shorter name parts (``jo@``) would forbid nearly every password, so they are not checked.
MIN_CHECKED_LOCAL_PART = 3


def _bounded_l33t_table(password: str) -> dict[str, list[str]]:
    """The look-alikes present in ``password``, cut so enumeration stays small."""
    relevant = matching.relevant_l33t_subtable(password, matching.L33T_TABLE)
    table: dict[str, list[str]] = {}
    for letter, lookalikes in relevant.items():
        table[letter] = lookalikes
        if len(matching.enumerate_l33t_subs(table)) > MAX_L33T_SUBSTITUTIONS:
            del table[letter]
    return table


def strength(password: str, user_inputs: list[str]) -> dict[str, Any]:
    """zxcvbn's estimate (``score`` 0..4 and ``feedback``) of ``password``'s bounded prefix."""
    sample = password[:ESTIMATED_PREFIX]
    # A private copy: zxcvbn() itself writes user inputs into a module global (not thread-safe).
    dictionaries = dict(matching.RANKED_DICTIONARIES)
    dictionaries["user_inputs"] = matching.build_ranked_dict([i.lower() for i in user_inputs])
    matches: list[dict[str, Any]] = []
    for matcher in (
        matching.dictionary_match,
        matching.reverse_dictionary_match,
        matching.spatial_match,
        matching.repeat_match,
        matching.sequence_match,
        matching.regex_match,
        matching.date_match,
    ):
        matches.extend(matcher(sample, _ranked_dictionaries=dictionaries))
    matches.extend(
        matching.l33t_match(
            sample, _ranked_dictionaries=dictionaries, _l33t_table=_bounded_l33t_table(sample)
        )
    )
    matches.sort(key=lambda match: (match["i"], match["j"]))
    result: dict[str, Any] = scoring.most_guessable_match_sequence(sample, matches)
    result["score"] = _score(float(result["guesses"]))
    result["feedback"] = feedback.get_feedback(result["score"], result["sequence"])
    return result


def _score(guesses: float) -> int:
    # zxcvbn's time_estimates.guesses_to_score, with its thresholds.
    delta = 5
    for score, limit in enumerate((1e3, 1e6, 1e8, 1e10)):
        if guesses < limit + delta:
            return score
    return 4


def password_problem(password: str, email: str) -> str | None:
    """Why ``password`` is not acceptable for the account ``email``, or None."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"Password must have at least {MIN_PASSWORD_LENGTH} characters"
    if len(password) > MAX_PASSWORD_LENGTH:
        return f"Password must have at most {MAX_PASSWORD_LENGTH} characters"
    if not password.strip():
        return "Password must not be only spaces"
    folded = fold(password)
    name = local_part(email)
    if canonical_email(email) in folded or (len(name) >= MIN_CHECKED_LOCAL_PART and name in folded):
        return "Password must not contain the email address or its name part"
    estimate = strength(password, [email, name, *name.replace("_", ".").split(".")])
    if estimate["score"] < MIN_SCORE:
        warning = str(estimate["feedback"].get("warning") or "")
        hint = " ".join(str(s) for s in estimate["feedback"].get("suggestions") or [])
        reason = "Password is too easy to guess"
        if warning:
            reason += f": {warning.rstrip('.')}"
        return f"{reason}. {hint or 'Use a longer phrase of uncommon words.'}".strip()
    return None
