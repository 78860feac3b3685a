"""The registry of external sources and their configuration.

Configuration comes from the environment (per source, NAME upper-cased, e.g. ``ISAAA``):

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

import os
from collections.abc import Mapping
from dataclasses import dataclass, replace

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


def _flag(value: str) -> bool:
    return value.strip().casefold() not in ("0", "false", "no", "off", "")


class SourceRegistry:
    """Name -> (adapter, configuration)."""

    def __init__(self, sources: list[Source], configs: Mapping[str, SourceConfig]):
        self.sources = {s.name: s for s in sources}
        self.configs = dict(configs)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> SourceRegistry:
        env = os.environ if env is None else env
        default_mode = env.get("BCH_SOURCES_MODE", "offline")
        sources = [c() for c in SOURCE_CLASSES]
        configs = {}
        for s in sources:
            p = f"BCH_SOURCE_{s.name.upper()}_"
            mode = env.get(p + "MODE", default_mode)
            if mode not in MODES:
                raise ValueError(f"{p}MODE={mode!r}: expected one of {', '.join(MODES)}")
            configs[s.name] = SourceConfig(
                enabled=_flag(env.get(p + "ENABLED", "1")),
                mode=mode,
                base_url=env.get(p + "URL", s.home),
                timeout=float(env.get(p + "TIMEOUT", "5")),
                cache_ttl=float(env.get(p + "CACHE_TTL", "86400")),
            )
        return cls(sources, configs)

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


def deadline_from_env(env: Mapping[str, str] | None = None) -> float:
    env = os.environ if env is None else env
    return float(env.get("BCH_MATCHES_DEADLINE", DEFAULT_DEADLINE))
