"""Wires storage and services together for one database. Every surface builds one of these."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from sqlalchemy import Engine

from bch.records.realms import RealmRegistry, get_registry
from bch.records.thesaurus import Thesaurus, get_thesaurus
from bch.services.events import EventBus
from bch.services.lmos import LmoService
from bch.services.records import RecordService
from bch.storage import migrate
from bch.storage.engine import make_engine
from bch.storage.repository import RecordStore


@dataclass
class Services:
    engine: Engine
    registry: RealmRegistry
    thesaurus: Thesaurus

    @classmethod
    def open(cls, url: str, *, upgrade: bool = True) -> Services:
        engine = make_engine(url)
        if upgrade:
            migrate.upgrade(engine)
        return cls(engine, get_registry(), get_thesaurus())

    @cached_property
    def store(self) -> RecordStore:
        return RecordStore(self.engine)

    @cached_property
    def events(self) -> EventBus:
        return EventBus()

    @cached_property
    def records(self) -> RecordService:
        return RecordService(self.store, self.registry, self.thesaurus, self.events)

    @cached_property
    def lmos(self) -> LmoService:
        return LmoService(self.store, self.records)

    def is_empty(self) -> bool:
        with self.store.reading() as conn:
            return self.store.count_documents(conn) == 0

    def close(self) -> None:
        self.engine.dispose()
