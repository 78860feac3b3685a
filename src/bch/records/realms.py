"""The realm registry: record types of every realm, loaded from definitions/*.yaml."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from bch.records import yamlfile
from bch.records.fields import Realm, RecordType

DEFINITIONS = Path(__file__).with_name("definitions")


class UnknownSchema(LookupError):
    pass


class RealmRegistry:
    def __init__(self, realms: list[Realm]):
        self.realms = {r.code: r for r in realms}
        self._by_schema: dict[str, RecordType] = {}
        self._by_code: dict[tuple[str, str], RecordType] = {}
        for realm in realms:
            for rt in realm.schemas.values():
                # a schema name can exist in several realms (organization in BCH and CHM):
                # the first realm loaded (BCH) answers unqualified look-ups.
                self._by_schema.setdefault(rt.name, rt)
                self._by_code[(realm.code, rt.short_code)] = rt

    @classmethod
    def load(cls, directory: Path = DEFINITIONS) -> RealmRegistry:
        realms = []
        for path in sorted(directory.glob("*.yaml")):
            data = yamlfile.safe_load(path.read_text(encoding="utf-8"))
            try:
                realms.append(Realm.model_validate(data))
            except ValueError as exc:
                raise ValueError(f"{path.name}: {exc}") from exc
        realms.sort(key=lambda r: (r.code != "BCH", r.code))
        return cls(realms)

    def record_type(self, schema: str, realm: str | None = None) -> RecordType:
        if realm:
            found = self.realms.get(realm.upper())
            if found and schema in found.schemas:
                return found.schemas[schema]
            raise UnknownSchema(f"unknown record type {schema!r} in realm {realm!r}")
        try:
            return self._by_schema[schema]
        except KeyError:
            raise UnknownSchema(f"unknown record type {schema!r}") from None

    def by_short_code(self, realm: str, short_code: str) -> RecordType:
        try:
            return self._by_code[(realm.upper(), short_code.upper())]
        except KeyError:
            raise UnknownSchema(f"unknown short code {short_code!r} in realm {realm!r}") from None

    def all(self) -> list[RecordType]:
        return [rt for realm in self.realms.values() for rt in realm.schemas.values()]


@cache
def get_registry() -> RealmRegistry:
    return RealmRegistry.load()
