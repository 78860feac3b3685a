"""Wires storage and services together for one database. Every surface builds one of these.

Side effects of writes are subscribers of the event bus, registered here (`events`): they run
after the unit of work that recorded the event has committed (bch.services.unit_of_work)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

from bch.records.realms import RealmRegistry, get_registry
from bch.records.thesaurus import Thesaurus, get_thesaurus
from bch.services.events import AccountEvent, EventBus, RequestEvent
from bch.services.lmos import LmoService
from bch.services.records import RecordService
from bch.services.unit_of_work import UnitOfWork
from bch.storage import migrate
from bch.storage.database import Database, Engine
from bch.storage.detection_methods import DetectionMethodRepository
from bch.storage.engine import make_engine
from bch.storage.records import RecordRepository

if TYPE_CHECKING:
    from bch.services.changes import ChangeFeed
    from bch.services.exports import ExportService
    from bch.services.search import SearchService


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
    def db(self) -> Database:
        return Database(self.engine)

    @cached_property
    def store(self) -> RecordRepository:
        """The records repository (documents, revisions, links, the change sequence)."""
        return RecordRepository(self.db)

    @cached_property
    def detection_methods(self) -> DetectionMethodRepository:
        return DetectionMethodRepository()

    @cached_property
    def events(self) -> EventBus:
        """The bus of committed writes and its subscribers: the mail notifications of the
        workflow and of accounts. Outbound sync to national nodes and alerts subscribe here."""
        bus = EventBus()
        bus.subscribe(lambda event: self._workflow_mail(event), RequestEvent)
        bus.subscribe(lambda event: self._account_mail(event), AccountEvent)
        return bus

    @cached_property
    def uow(self) -> UnitOfWork:
        """`with svc.uow() as tx:` one write transaction; its events go to `events` after commit."""
        return UnitOfWork(self.db, self.events)

    @cached_property
    def records(self) -> RecordService:
        return RecordService(self.store, self.registry, self.thesaurus, self.uow)

    @cached_property
    def lmos(self) -> LmoService:
        return LmoService(self.store, self.records, self.detection_methods)

    # -- accounts and the publishing workflow (issue 3) -------------------------------------------
    @cached_property
    def mailer(self):
        from bch.services.mail import Mailer

        return Mailer()

    @cached_property
    def accounts(self):
        from bch.services.accounts import AccountService

        return AccountService(self.uow, self.registry)

    @cached_property
    def drafts(self):
        from bch.services.drafts import DraftService
        from bch.storage.drafts import DraftRepository

        return DraftService(
            self.records, DraftRepository(), self.uow, self.registry, self.thesaurus
        )

    @cached_property
    def workflow(self):
        from bch.services.deadlines import DeadlineService
        from bch.services.workflow import WorkflowService
        from bch.storage.drafts import RequestRepository

        requests = RequestRepository()
        deadlines = DeadlineService(self.db, requests, self.uow)
        return WorkflowService(
            self.records, self.drafts, requests, self.accounts.users, deadlines, self.uow
        )

    @cached_property
    def _workflow_mail(self):
        from bch.services.notifications import WorkflowMail

        return WorkflowMail(self.mailer, self.workflow)

    @cached_property
    def _account_mail(self):
        from bch.services.notifications import AccountMail

        return AccountMail(self.mailer)

    @cached_property
    def audit(self):
        from bch.services.audit import AuditLog

        return AuditLog(self.db)

    @cached_property
    def search(self) -> SearchService:
        from bch.services.search import SearchService
        from bch.storage.bitmap_index import LiveIndex, snapshot_path

        if os.environ.get("BCH_SEARCH_INDEX") == "off":
            return SearchService(self.store, self.registry, None)
        index = LiveIndex(self.engine, snapshot_path(self.engine))
        return SearchService(self.store, self.registry, index)

    @cached_property
    def changes(self) -> ChangeFeed:
        from bch.services.changes import ChangeFeed
        from bch.storage.feed import ChangeRepository

        return ChangeFeed(self.db, ChangeRepository())

    @cached_property
    def exports(self) -> ExportService:
        from bch.services.exports import ExportService
        from bch.storage.dumps import DumpRepository

        return ExportService(DumpRepository(self.db), self.registry, self.thesaurus)

    @cached_property
    def matches(self):
        """External databases: matching records and detection methods (issue 6)."""
        from bch.services.matches import MatchService
        from bch.sources.cache import SourceStore
        from bch.sources.registry import SourceRegistry, deadline_from_env
        from bch.storage.source_cache import SourceCacheRepository

        return MatchService(
            self.lmos,
            SourceRegistry.from_env(),
            SourceStore(SourceCacheRepository(self.db)),
            deadline=deadline_from_env(),
        )

    @cached_property
    def customs(self):
        """Shipment checks for customs officers (issue 13)."""
        from bch.services.customs import CustomsService
        from bch.storage.customs import CustomsRepository

        return CustomsService(
            CustomsRepository(self.db), self.detection_methods, self.thesaurus, self.uow
        )

    @cached_property
    def learning(self):
        """E-learning modules, learners' progress and certificates (issue 13)."""
        from bch.services.learning import LearningService
        from bch.storage.learning import LearningRepository

        return LearningService(LearningRepository(self.db), self.uow)

    def is_empty(self) -> bool:
        with self.store.reading() as conn:
            return self.store.count_documents(conn) == 0

    def close(self) -> None:
        if "accounts" in self.__dict__:  # pending bookkeeping (API tokens' last use) first
            self.accounts.usage.close()
        self.engine.dispose()
