"""Sclero's settings: one object, read from SCLERO_* environment variables (and a .env file)."""

from __future__ import annotations

import secrets
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Configuration of one Sclero installation."""

    model_config = SettingsConfigDict(env_prefix="SCLERO_", env_file=".env", extra="ignore")

    data_dir: Path = Field(default=Path("data"), description="Photos, exports and the SQLite file")
    database_url: str = Field(
        default="", description="SQLAlchemy URL; empty means SQLite in data_dir"
    )
    secret_key: str = Field(
        default="", description="Signs CSRF tokens; generated into data_dir when empty"
    )
    protocol_path: Path | None = Field(default=None, description="A clinic's own protocol file")
    session_hours: int = Field(
        default=12,
        ge=1,
        le=24 * 7,
        description="Absolute lifetime of a sign-in (page session or API token), however used",
    )
    session_idle_minutes: int = Field(
        default=30,
        ge=1,
        le=24 * 60,
        description="A sign-in (page or API) unused for this long ends (ASVS 4.0 V3.3.2, L2)",
    )
    secure_cookies: bool = False
    gc_pause_warn_ms: float = Field(
        default=50,
        ge=0,
        description="A serving worker logs every garbage-collector pause at least this long",
    )
    sign_in_max_failures_account: int = Field(
        default=5, ge=1, description="Failed sign-ins of one account in the window before a lock"
    )
    sign_in_max_failures_address: int = Field(
        default=20, ge=1, description="Failed sign-ins from one address in the window before a lock"
    )
    sign_in_window_seconds: int = Field(default=15 * 60, ge=1)
    sign_in_lockout_seconds: int = Field(default=15 * 60, ge=1)
    trusted_proxies: list[str] = Field(
        default_factory=list,
        description="Addresses of reverse proxies whose X-Forwarded-For is believed (none: "
        "the client address is the connection's)",
    )
    max_body_bytes: int = Field(
        default=1024 * 1024, ge=1024, description="The largest request body (JSON, forms)"
    )
    max_upload_bytes: int = Field(
        default=16 * 1024 * 1024, ge=1024, description="The largest upload (a photo and its form)"
    )
    timezone: str = Field(
        default="",
        description="The clinic's IANA time zone (e.g. Europe/Berlin); empty: the server's",
    )

    clinic_name: str = Field(
        default="Sclero demo clinic", max_length=200, description="Printed on reports"
    )
    clinic_address: str = Field(default="", max_length=500, description="Printed on reports")
    clinic_phone: str = Field(default="", max_length=60, description="Printed on reports")

    @field_validator("secret_key")
    @classmethod
    def _refuse_weak_secret(cls, value: str) -> str:
        if value and (len(value) < 32 or value.lower() in {"changeme", "secret", "change-me"}):
            raise ValueError("SCLERO_SECRET_KEY must be at least 32 random characters")
        return value

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        if value:
            try:
                ZoneInfo(value)
            except (ZoneInfoNotFoundError, ValueError):
                raise ValueError(
                    f"unknown time zone {value!r}; use a name like Europe/Berlin"
                ) from None
        return value

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'sclero.db').resolve()}"

    @property
    def photo_dir(self) -> Path:
        return self.data_dir / "photos"

    def resolved_secret_key(self) -> str:
        """The configured secret, or one generated once and kept in the data folder."""
        if self.secret_key:
            return self.secret_key
        key_file = self.data_dir / "secret_key"
        if key_file.exists():
            return key_file.read_text().strip()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(48)
        key_file.write_text(key)
        key_file.chmod(0o600)
        return key


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
