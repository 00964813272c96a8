"""The chat service's token verifier in process: verifications per second, with and without
the account-revocation state (what the per-request revocation check costs)."""

from __future__ import annotations

import time
import uuid
from pathlib import Path
from typing import NamedTuple

from parley_chat.accounts import AccountState, AccountStates
from parley_chat.tokens import TokenVerifier
from parley_testing import TestKey

# Users in the revocation state for the "with" measurement: a large instance's worth.
KNOWN_USERS = 100_000


class VerifierRates(NamedTuple):
    plain: int  # verifications/s without revocation state
    with_revocations: int  # with KNOWN_USERS users known, the caller among them
    known_users: int
    check_ns: float  # the revocation check alone (AccountStates.refusal), per call


def _check_ns(accounts: AccountStates, user_id: str, calls: int = 1_000_000) -> float:
    """The lookup by itself: next to a verification (~100 us of RSA) it is lost in the noise
    of the two rates, so it is timed on its own too."""
    refusal = accounts.refusal
    start = time.perf_counter()
    for _ in range(calls):
        refusal(user_id, 2)
    return round((time.perf_counter() - start) / calls * 1e9, 1)


def _verifier(keys_file: Path, accounts: AccountStates | None) -> TokenVerifier:
    return TokenVerifier(
        issuer="parley-auth",
        audience="parley",
        leeway=30,
        keys_file=str(keys_file),
        reload_interval=0,
        accounts=accounts,
    )


async def _rate(verifier: TokenVerifier, token: str, seconds: float) -> int:
    count = 0
    start = time.perf_counter()
    deadline = start + seconds
    while time.perf_counter() < deadline:
        for _ in range(100):
            await verifier.verify(token)
        count += 100
    return int(count / (time.perf_counter() - start))


async def verifier_rates(
    keys_file: Path, signing_key: TestKey, seconds: float = 1.5, rounds: int = 3
) -> VerifierRates:
    """Both verifiers measured in alternating rounds, best round each: a burst of other work
    on the machine does not decide the ratio."""
    user_id = str(uuid.uuid4())
    accounts = AccountStates()
    accounts.apply_all(
        (str(uuid.uuid4()), AccountState(token_version=1, deleted=False))
        for _ in range(KNOWN_USERS - 1)
    )
    # The caller is known (a dict hit and a version compare): the check's full path.
    accounts.apply(user_id, AccountState(token_version=2, deleted=False))
    token = signing_key.token(user_id, token_version=2)
    plain, checked = _verifier(keys_file, None), _verifier(keys_file, accounts)
    await plain.start()
    await checked.start()
    best_plain = best_checked = 0
    try:
        for _ in range(rounds):
            best_plain = max(best_plain, await _rate(plain, token, seconds / rounds))
            best_checked = max(best_checked, await _rate(checked, token, seconds / rounds))
    finally:
        await plain.close()
        await checked.close()
    return VerifierRates(best_plain, best_checked, len(accounts), _check_ns(accounts, user_id))
