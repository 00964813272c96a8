"""Settings of the local stack, read from the environment (no prefix) and an optional `.env`."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


def repo_root() -> Path:
    """The checkout this package lives in (deploy/local/parley_devstack/config.py -> root)."""
    return Path(__file__).resolve().parents[3]


class DevSettings(BaseSettings):
    """Every knob of `make dev`; the env name of a field is its name in upper case."""

    model_config = SettingsConfigDict(env_file=".env", case_sensitive=False, extra="ignore")

    # Where the services and the gateway listen. Loopback only: this is a developer's stack.
    bind_host: str = "127.0.0.1"
    gateway_port: int = Field(default=8080, ge=1, le=65535)
    gateway_admin_port: int = Field(default=8082, ge=1, le=65535)
    auth_port: int = Field(default=8001, ge=1, le=65535)
    # With CHAT_PROCESSES=n, chat replicas listen on CHAT_PORT, CHAT_PORT+1, ...
    chat_port: int = Field(default=8002, ge=1, le=65535)
    chat_processes: int = Field(default=1, ge=1, le=16)
    web_port: int = Field(default=3000, ge=1, le=65535)
    llm_stub_port: int = Field(default=8090, ge=1, le=65535)

    # Local state: PostgreSQL files, dev keys, rendered gateway config. Git-ignored.
    data_dir: Path = Path(".data")
    root_dir: Path = Field(default_factory=repo_root)

    # Set these to use an existing PostgreSQL instead of the embedded one.
    auth_database_url: str | None = None
    chat_database_url: str | None = None

    # Set LLM_BASE_URL (OpenAI, Ollama, any OpenAI-compatible server) to skip the stub.
    llm_base_url: str | None = None
    llm_api_key: str | None = None
    llm_model: str | None = None
    # A catalog of models for chat (see services/chat); unset with the stub: `parley-dev` writes
    # one with two stub models (parley_devstack/catalog.py) so the model picker shows.
    models_file: Path | None = None
    llm_stub_delay_ms: int | None = Field(default=None, ge=0)
    llm_stub_reply_words: int | None = Field(default=None, ge=1)

    # auto: `next dev` when services/web/package.json exists; start: `npm run build` first,
    # then Next's production server; off: no web client.
    web_mode: Literal["auto", "dev", "start", "off"] = "auto"

    # Gateway rate limits; unset keeps the values of gateway/dynamic/parley.yml.
    gateway_auth_rate_average: int | None = Field(default=None, ge=1)
    gateway_auth_rate_burst: int | None = Field(default=None, ge=1)
    gateway_api_rate_average: int | None = Field(default=None, ge=1)
    gateway_api_rate_burst: int | None = Field(default=None, ge=1)

    @property
    def data_path(self) -> Path:
        path = self.data_dir if self.data_dir.is_absolute() else self.root_dir / self.data_dir
        return path.resolve()

    @property
    def public_url(self) -> str:
        return f"http://localhost:{self.gateway_port}"

    @property
    def gateway_url(self) -> str:
        return f"http://{self.bind_host}:{self.gateway_port}"

    @property
    def admin_url(self) -> str:
        return f"http://{self.bind_host}:{self.gateway_admin_port}"

    @property
    def chat_ports(self) -> list[int]:
        return [self.chat_port + i for i in range(self.chat_processes)]

    @property
    def uses_stub(self) -> bool:
        return not self.llm_base_url

    @property
    def web_dir(self) -> Path:
        return self.root_dir / "services" / "web"

    @property
    def web_command(self) -> Literal["dev", "start"] | None:
        """How to run the web client, or None when there is none (yet) or it is turned off."""
        if self.web_mode == "off":
            return None
        if self.web_mode == "auto":
            return "dev" if (self.web_dir / "package.json").exists() else None
        return self.web_mode

    def ports(self) -> dict[str, int]:
        """Each port this stack listens on, keyed by the setting that chooses it."""
        ports = {
            "GATEWAY_PORT": self.gateway_port,
            "GATEWAY_ADMIN_PORT": self.gateway_admin_port,
            "AUTH_PORT": self.auth_port,
        }
        for index, port in enumerate(self.chat_ports):
            ports["CHAT_PORT" if index == 0 else f"CHAT_PORT (+{index}, CHAT_PROCESSES)"] = port
        if self.web_command:
            ports["WEB_PORT"] = self.web_port
        if self.uses_stub:
            ports["LLM_STUB_PORT"] = self.llm_stub_port
        return ports
