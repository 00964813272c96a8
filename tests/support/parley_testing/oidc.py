"""A real OpenID Provider for single sign-on tests (node-oidc-provider, `tests/support/oidc`), and
a browser-like walk through its login form with httpx."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import queue
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, NamedTuple

import httpx

OIDC_DIR = Path(__file__).resolve().parents[1] / "oidc"
PROVIDER_SCRIPT = OIDC_DIR / "provider.mjs"

Claims = Mapping[str, Any]


class OidcClient(NamedTuple):
    """A relying party registered at the provider."""

    client_id: str
    client_secret: str
    redirect_uris: Sequence[str]


@dataclass
class OidcProvider:
    """A running provider: its ``issuer``, ``discovery_url`` and the registered ``client``."""

    issuer: str
    discovery_url: str
    client: OidcClient
    config_file: Path
    process: subprocess.Popen[str]
    log_file: Path
    _config: dict[str, Any] = field(repr=False, default_factory=dict)

    @property
    def client_id(self) -> str:
        return self.client.client_id

    @property
    def client_secret(self) -> str:
        return self.client.client_secret

    def set_account(self, login: str, claims: Claims) -> None:
        """Add or change an account; the next token the provider issues carries these claims."""
        self._config["accounts"][login] = dict(claims)
        write_config(self.config_file, self._config)

    def log(self) -> str:
        """What the provider wrote to stderr so far (warnings, errors)."""
        return self.log_file.read_text(errors="replace")


def write_config(path: Path, config: Mapping[str, Any]) -> None:
    """Write atomically: the provider rereads the accounts at every look-up."""
    partial = path.with_suffix(".partial")
    partial.write_text(json.dumps(config, indent=2))
    os.replace(partial, path)


def provider_command(config_file: Path, port: int | None = None) -> list[str]:
    """The command that serves ``config_file``; explains what to install when it cannot run."""
    node = shutil.which("node")
    if node is None:
        raise RuntimeError("the OIDC test provider needs Node.js (`node` on PATH)")
    if not (OIDC_DIR / "node_modules" / "oidc-provider").is_dir():
        raise RuntimeError(f"run `npm ci` in {OIDC_DIR} (`make oidc-provider`) first")
    command = [node, str(PROVIDER_SCRIPT), str(config_file)]
    if port is not None:
        command += ["--port", str(port)]
    return command


def _first_line(process: subprocess.Popen[str], timeout: float) -> str:
    lines: queue.Queue[str] = queue.Queue()
    assert process.stdout is not None
    stdout = process.stdout
    threading.Thread(target=lambda: lines.put(stdout.readline()), daemon=True).start()
    try:
        return lines.get(timeout=timeout)
    except queue.Empty:
        raise TimeoutError(f"the OIDC provider did not start within {timeout} s") from None


def _wait_for_discovery(url: str, process: subprocess.Popen[str], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(url, timeout=2).status_code == 200:
                return
        if process.poll() is not None:
            raise RuntimeError("the OIDC provider exited")
        if time.monotonic() > deadline:
            raise TimeoutError(f"no discovery document at {url} within {timeout} s")
        time.sleep(0.05)


@contextlib.contextmanager
def running_oidc_provider(
    accounts: Mapping[str, Claims],
    *,
    client_id: str,
    client_secret: str,
    redirect_uris: Sequence[str],
    other_clients: Sequence[OidcClient] = (),
    startup_timeout: float = 30.0,
) -> Iterator[OidcProvider]:
    """Serve a fresh provider on a free 127.0.0.1 port for the block, then stop it.

    ``accounts`` maps a login name (typed into the provider's form, any password) to its claims
    ``{email, email_verified, name, groups}``. ``other_clients`` are registered as well (e.g. to
    obtain tokens meant for another relying party).
    """
    client = OidcClient(client_id, client_secret, list(redirect_uris))
    config: dict[str, Any] = {
        "port": 0,
        "clients": [c._asdict() for c in (client, *other_clients)],
        "accounts": {login: dict(claims) for login, claims in accounts.items()},
    }
    with tempfile.TemporaryDirectory(prefix="parley-oidc-") as folder:
        config_file = Path(folder) / "provider.json"
        log_file = Path(folder) / "provider.log"
        write_config(config_file, config)
        with log_file.open("w") as log:
            process = subprocess.Popen(
                provider_command(config_file), stdout=subprocess.PIPE, stderr=log, text=True
            )
        try:
            ready = json.loads(_first_line(process, startup_timeout) or "null")
            if not ready:
                raise RuntimeError(f"the OIDC provider failed: {log_file.read_text()}")
            issuer = str(ready["issuer"])
            discovery_url = issuer + "/.well-known/openid-configuration"
            _wait_for_discovery(discovery_url, process, startup_timeout)
            yield OidcProvider(
                issuer, discovery_url, client, config_file, process, log_file, config
            )
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            if process.stdout is not None:
                process.stdout.close()


# -- a browser's walk through the provider's pages


class _Form(NamedTuple):
    action: str
    fields: dict[str, str]


class _FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.forms: list[_Form] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "form":
            self.forms.append(_Form(values.get("action", ""), {}))
        elif tag == "input" and self.forms and "name" in values:
            self.forms[-1].fields[values["name"]] = values.get("value", "")


def _provider_form(response: httpx.Response) -> _Form | None:
    """The provider's login or consent form on this page, if there is one, or the form that
    ends its session of another account (a browser submits that one by script)."""
    if "html" not in response.headers.get("content-type", ""):
        return None
    parser = _FormParser()
    parser.feed(response.text)
    for form in parser.forms:
        if form.fields.get("prompt") in ("login", "consent") or "logout" in form.fields:
            return form
    return None


def _same_origin(url: httpx.URL, other: httpx.URL) -> bool:
    return (url.scheme, url.host, url.port) == (other.scheme, other.host, other.port)


async def sign_in(
    browser: httpx.AsyncClient,
    start_url: str,
    provider: OidcProvider,
    login: str,
    *,
    follow_callback: bool = True,
    max_steps: int = 20,
) -> httpx.Response:
    """Start at ``start_url`` (a relying party's login route) and act as a browser: follow the
    redirects to the provider, fill its login form as ``login``, continue past a consent page
    (and past the end of the provider's session of another account),
    follow the redirect back to the relying party's callback, and return the callback's response
    (not followed) or the first page that is neither a redirect nor a provider form.

    ``follow_callback=False`` stops earlier: the provider's redirect to the callback is returned
    (its ``Location`` carries the code and state) for the test to change or replay.
    """
    issuer = httpx.URL(provider.issuer)
    response = await browser.get(start_url)
    for _ in range(max_steps):
        on_provider = _same_origin(response.url, issuer)
        if response.is_redirect:
            target = response.url.join(response.headers["location"])
            leaving = on_provider and not _same_origin(target, issuer)
            if leaving and not follow_callback:
                return response
            # Into the provider, or out of it to the callback: a browser follows both.
            if not (on_provider or _same_origin(target, issuer)):
                return response
            response = await browser.get(target)
            continue
        form = _provider_form(response) if on_provider else None
        if form is None:
            return response
        fields = dict(form.fields)
        if fields.get("prompt") == "login":
            fields.update(login=login, password="any password")
        response = await browser.post(response.url.join(form.action), data=fields)
    raise AssertionError(f"no way back from the provider after {max_steps} steps")


# -- the console script


def main(argv: Sequence[str] | None = None) -> None:
    """``parley-oidc-provider --port N --config FILE``: serve the provider in the foreground."""
    parser = argparse.ArgumentParser(prog="parley-oidc-provider", description=main.__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--config", type=Path, required=True)
    args = parser.parse_args(argv)
    command = provider_command(args.config.resolve(), args.port)
    # Replaced by node: a launcher's SIGTERM reaches the provider itself.
    os.execv(command[0], command)  # noqa: S606
