"""The registry of external sources and their configuration.

Configuration comes from the settings (bch.settings, read from these variables; per source,
NAME upper-cased, e.g. ``ISAAA``):

- ``BCH_SOURCE_<NAME>_ENABLED``  ``1``/``0`` (default 1)
- ``BCH_SOURCE_<NAME>_MODE``     ``offline`` (shipped or refreshed snapshot) or ``live``
  (the live adapter; the snapshot and the cache remain the fallback). Default: ``offline``,
  since the external sites are not reachable from every deployment; ``BCH_SOURCES_MODE``
  sets the default for all sources.
- ``BCH_SOURCE_<NAME>_URL``      base URL of the live site (default: the source's home)
- ``BCH_SOURCE_<NAME>_TIMEOUT``  seconds per request (default 5)
- ``BCH_SOURCE_<NAME>_CACHE_TTL`` seconds a live answer is reused (default 86400)
- ``BCH_MATCHES_DEADLINE``       overall deadline of a matches answer in seconds (default 2)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from bch.sources.base import Source
from bch.sources.biotrack import BioTrack
from bch.sources.biotradestatus import BioTradeStatus
from bch.sources.cera import Cera
from bch.sources.cfia import Cfia
from bch.sources.croplife import CropLife
from bch.sources.eu_register import EuRegister
from bch.sources.euginius import Euginius
from bch.sources.eurl_gmff import EurlGmff
from bch.sources.fao import Fao
from bch.sources.gmo_compass import GmoCompass
from bch.sources.isaaa import Isaaa

if TYPE_CHECKING:
    from bch.settings import Settings

SOURCE_CLASSES: tuple[type[Source], ...] = (
    BioTradeStatus,
    BioTrack,
    Fao,
    Isaaa,
    Euginius,
    EuRegister,
    Cera,
    GmoCompass,
    Cfia,
    EurlGmff,
    CropLife,
)
MODES = ("offline", "live")
DEFAULT_DEADLINE = 2.0


@dataclass(frozen=True)
class SourceConfig:
    enabled: bool = True
    mode: str = "offline"
    base_url: str = ""
    timeout: float = 5.0
    cache_ttl: float = 86400.0


class SourceRegistry:
    """Name -> (adapter, configuration)."""

    def __init__(self, sources: list[Source], configs: Mapping[str, SourceConfig]):
        self.sources = {s.name: s for s in sources}
        self.configs = dict(configs)

    @classmethod
    def from_settings(cls, settings: Settings) -> SourceRegistry:
        """BCH_SOURCES_MODE and each source's BCH_SOURCE_<NAME>_* (validated by Settings)."""
        sources = [c() for c in SOURCE_CLASSES]
        configs = {}
        for s in sources:
            given = settings.sources.get(s.name, {})
            configs[s.name] = SourceConfig(
                enabled=given.get("enabled", True),
                mode=given.get("mode", settings.sources_mode),
                base_url=given.get("url", s.home),
                timeout=given.get("timeout", 5.0),
                cache_ttl=given.get("cache_ttl", 86400.0),
            )
        return cls(sources, configs)

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> SourceRegistry:
        """From a mapping of variables (tests, benchmarks): SettingsError (a ValueError) names
        a bad one."""
        from bch.settings import Settings

        return cls.from_settings(Settings.from_environ(env))

    def names(self) -> list[str]:
        return list(self.sources)

    def get(self, name: str) -> Source:
        return self.sources[name]

    def config(self, name: str) -> SourceConfig:
        return self.configs[name]

    def configure(self, name: str, **changes) -> None:
        """Change one source's configuration (tests, CLI options)."""
        self.configs[name] = replace(self.configs[name], **changes)

    def describe(self) -> list[dict]:
        out = []
        for name, src in self.sources.items():
            cfg = self.configs[name]
            out.append(
                {
                    **src.describe(),
                    "enabled": cfg.enabled,
                    "mode": cfg.mode,
                    "baseUrl": cfg.base_url,
                    "timeout": cfg.timeout,
                    "cacheTtl": cfg.cache_ttl,
                }
            )
        return out
