"""Wires storage and services together for one database: the one place where services are built
(tests/test_layers.py). Every surface builds one of these and calls its services' methods.

The settings (bch.settings) are read once, at `Services.open` (or handed in by `bch serve`), and
each service gets the part it uses here.

Side effects of writes are subscribers of the event bus, registered here (`events`): they run
after the unit of work that recorded the event has committed (bch.services.unit_of_work)."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from bch.records.realms import RealmRegistry, get_registry
from bch.records.thesaurus import Thesaurus, get_thesaurus
from bch.services.errors import ServiceError
from bch.services.events import AccountEvent, EventBus, RequestEvent
from bch.services.lmos import LmoService
from bch.services.records import RecordService
from bch.services.unit_of_work import UnitOfWork
from bch.settings import Settings
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
    settings: Settings
    # copies made by configured(): their bookkeeping is closed with this one
    copies: list[Services] = field(default_factory=list, repr=False, compare=False)
    # the start-up warming of this process (bch.cli.warm): "off" (BCH_WARM=off, or no server),
    # "warming", "ready" or "failed"; shown by /healthz and /readyz as `warm`
    warming: str = field(default="off", repr=False, compare=False)

    @classmethod
    def open(cls, url: str, *, upgrade: bool = True, settings: Settings | None = None) -> Services:
        """`settings`: what `bch serve` read and validated at start; by default the process
        environment is read now (SettingsError names a bad variable)."""
        settings = settings or Settings.from_environ()
        engine = make_engine(url, busy_timeout=settings.sqlite_busy_timeout)
        if upgrade:
            migrate.upgrade(engine, attachments_dir=settings.attachments_dir)
        return cls(engine, get_registry(), get_thesaurus(), settings)

    def configured(self, **variables: str) -> Services:
        """The same database with some settings read anew, e.g.
        `svc.configured(BCH_RATE_LIMIT="off")` (tests; a bad value raises SettingsError). The
        copy builds its own services; closing stays with the original."""
        copy = Services(
            self.engine, self.registry, self.thesaurus, self.settings.with_variables(variables)
        )
        self.copies.append(copy)
        return copy

    @cached_property
    def oai(self):
        """The OAI-PMH repository at the configured public URL and namespace (never the
        request's Host: identifiers must not change with the name a client used)."""
        from bch.services.oai import OaiRepository

        s = self.settings
        return OaiRepository(
            self.store,
            self.records,
            self.registry,
            self.thesaurus,
            base_url=s.public_url,
            namespace=s.oai_namespace,
            admin_email=s.admin_email,
        )

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
    def provenance(self):
        """Provenance blocks of imported records (issue 16)."""
        from bch.storage.provenance import ProvenanceRepository

        return ProvenanceRepository()

    @cached_property
    def reported_approvals(self):
        """Approvals reported by other sources than a country's decisions (ISAAA, issue 16)."""
        from bch.storage.provenance import ReportedApprovalRepository

        return ReportedApprovalRepository()

    @cached_property
    def events(self) -> EventBus:
        """The bus of committed writes and its subscribers: the mail notifications of the
        workflow and of accounts. Outbound sync to national nodes and alerts subscribe here."""
        bus = EventBus()
        bus.subscribe(lambda event: self._workflow_mail(event), RequestEvent)
        bus.subscribe(lambda event: self._account_mail(event), AccountEvent)
        self._subscribe_alerts(bus)
        from bch.services.participation import ParticipationMail

        bus.subscribe(
            lambda e: self.mailer.send(e.to, e.subject, e.body, e.headers), ParticipationMail
        )
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
        return LmoService(
            self.store,
            self.records,
            self.detection_methods,
            self.provenance,
            self.reported_approvals,
        )

    # -- accounts and the publishing workflow (issue 3) -------------------------------------------
    @cached_property
    def mailer(self):
        from bch.services.mail import Mailer, MailSettings

        return Mailer(MailSettings.from_settings(self.settings))

    @cached_property
    def accounts(self):
        from bch.services.accounts import AccountService
        from bch.services.ratelimit import RateLimiter, default_limits
        from bch.services.throttle import BackoffPolicy

        s = self.settings
        return AccountService(
            self.uow,
            self.registry,
            RateLimiter(default_limits(s), counters=self.rate_counters),
            BackoffPolicy.from_settings(s.lockout_threshold, s.lockout_seconds),
        )

    @cached_property
    def rate_counters(self):
        """Rate-limit counters shared by every server process (issue 15): Redis when
        BCH_REDIS_URL is set, else the database."""
        from bch.storage.rate_counters import DatabaseCounters, RedisCounters

        if self.settings.redis_url:
            return RedisCounters(self.settings.redis_url)
        return DatabaseCounters(self.db)

    @cached_property
    def public_limiter(self):
        """The public API's per-client limit (BCH_RATE_LIMIT): one window in Redis for every
        process when BCH_REDIS_URL is set; else each of the BCH_WORKERS processes allows its
        share (bch serve hands its workers BCH_WORKERS=N; 0 counts as one). None when off."""
        from bch.services.ratelimit import public_limiter

        s = self.settings
        workers = max(1, s.workers)
        counters = self.rate_counters if s.redis_url else None
        return public_limiter(s.rate_limit, workers=workers, counters=counters)

    @cached_property
    def change_follower(self):
        """The change sequence as this process's read caches follow it: the latest change on
        every look-up, and what the new changes touched when it moved (issue 15)."""
        from bch.services import policy
        from bch.services.read_cache import ChangeFollower

        def scope():
            # what an anonymous reader may read is part of every answer: a policy that reads
            # differently (tests/services/test_policy_reads.py replaces it) forgets them all
            return policy.read_scope(policy.ANONYMOUS)

        def schemas() -> frozenset[str]:
            return frozenset(s for s, n in self.records.counts_by_schema().items() if n)

        return ChangeFollower(self.latest_change, scope, self.engine, schemas)

    @cached_property
    def read_cache(self):
        """Anonymous record reads remembered until a change touches them (issue 15)."""
        from bch.services.read_cache import ReadCache

        return ReadCache(self.change_follower)

    @cached_property
    def page_cache(self):
        """Anonymous LMO pages (about 140 KB of HTML each) kept the same way, at most 1,024 of
        them: every LMO of the shipped data in one language, about 150 MB at most. With several
        workers, a page one of them rendered is taken by the others (services/shared_pages.py)."""
        from bch.services.read_cache import ReadCache

        shared = None
        if self.settings.shared_pages_dir is not None:  # bch serve --workers N: rendered once
            from bch.services.shared_pages import SharedPages

            shared = SharedPages(self.settings.shared_pages_dir)
        return ReadCache(self.change_follower, size=1024, shared=shared)

    @cached_property
    def latest_change(self):
        """The latest change, read at the least cost (the read cache asks on every hit)."""
        from bch.storage.change_mark import LatestChange

        return LatestChange(self.engine, self.settings.sqlite_busy_timeout)

    @cached_property
    def attachments(self):
        """Uploaded files (BCH_ATTACHMENTS_DIR, BCH_MAX_ATTACHMENT_BYTES)."""
        from bch.services.attachments import AttachmentStore

        s = self.settings
        return AttachmentStore(self.db, s.attachments_dir, s.max_attachment_bytes)

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
        service = WorkflowService(
            self.records,
            self.drafts,
            requests,
            self.accounts.users,
            deadlines,
            self.uow,
            deadline_days=self.settings.request_deadline_days,
        )
        service.forward = self.node.forward  # on a national node the central publishes
        return service

    @cached_property
    def _workflow_mail(self):
        from bch.services.notifications import WorkflowMail

        return WorkflowMail(self.mailer, self.workflow, self.settings.public_url)

    @cached_property
    def _account_mail(self):
        from bch.services.notifications import AccountMail

        return AccountMail(self.mailer, self.settings.public_url)

    @cached_property
    def audit(self):
        from bch.services.audit import AuditLog

        return AuditLog(self.db)

    @cached_property
    def search(self) -> SearchService:
        from bch.services.search import SearchService
        from bch.storage.bitmap_index import LiveIndex, snapshot_path

        if not self.settings.search_index:  # BCH_SEARCH_INDEX=off
            return SearchService(self.db, self.registry, None)
        index = LiveIndex(
            self.engine,
            snapshot_path(self.engine, self.settings.search_index_dir),
            head=self.latest_change,  # the read cache's look at the latest change
        )
        return SearchService(self.db, self.registry, index)

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
    def older_revisions(self):
        """The revisions before each record's latest, in bulk (issue 12: a node's history)."""
        from bch.services.older_revisions import OlderRevisions
        from bch.storage.revision_history import HistoryRepository

        return OlderRevisions(HistoryRepository(self.db), self.registry)

    @cached_property
    def table_snapshots(self):
        """SQLite files of the rows a new national node mirrors (issue 12 performance)."""
        from bch.services.table_snapshots import TableSnapshots

        return TableSnapshots.for_database(self.db, self.registry, self.rate_counters)

    @cached_property
    def matches(self):
        """External databases: matching records and detection methods (issue 6)."""
        from bch.services.matches import MatchService
        from bch.sources.cache import SourceStore
        from bch.sources.registry import SourceRegistry
        from bch.storage.source_cache import SourceCacheRepository

        return MatchService(
            self.lmos,
            SourceRegistry.from_settings(self.settings),
            SourceStore(SourceCacheRepository(self.db)),
            deadline=self.settings.matches_deadline,
            data_dir=self.settings.data_dir,
            resolver=lambda: self.resolver,
            marks=lambda: (self.latest_change() or (None,) * 5)[4:],
        )

    @property
    def resolver(self):
        """Identity resolution of names, trade names and UIDs (bch.resolve): built once per
        process from the shipped data, on first use (it does not read the database)."""
        from bch.resolve.index import default_resolver

        return default_resolver()

    @cached_property
    def customs(self):
        """Shipment checks for customs officers (issue 13)."""
        from bch.services.customs import CustomsService
        from bch.storage.customs import CustomsRepository

        return CustomsService(
            CustomsRepository(self.db),
            self.detection_methods,
            self.thesaurus,
            self.uow,
            self.settings.data_dir,
        )

    @cached_property
    def learning(self):
        """E-learning modules, learners' progress and certificates (issue 13)."""
        from bch.services.learning import LearningService
        from bch.storage.learning import LearningRepository

        return LearningService(
            LearningRepository(self.db), self.uow, self.settings.learning_modules_dir
        )

    @cached_property
    def registers(self):
        """Importing national registers (issue 12 item 5)."""
        from bch.services.registers import RegisterService
        from bch.storage.registers import RegisterRowRepository

        return RegisterService(
            self.records, self.drafts, self.workflow, RegisterRowRepository(self.db), self.uow
        )

    # -- alerts: feeds' subscriptions by e-mail (issue 14) ------------------------------------------
    @cached_property
    def alerts(self):
        """E-mail alerts: subscriptions, the outbox and its worker (BCH_ALERTS_*)."""
        from bch.services.alerts import AlertService, AlertSettings
        from bch.services.ratelimit import Limit, RateLimiter
        from bch.storage.alerts import AlertRepository

        s = self.settings
        return AlertService(
            self.db,
            AlertRepository(self.db),
            self.search,
            self.uow,
            self.mailer,
            RateLimiter({"subscribe": Limit(*s.rate_subscribe)}),
            AlertSettings(
                public_url=s.public_url,
                claim_seconds=s.alert_claim_seconds,
                interval=s.alerts_interval,
                unsubscribe_mailto=s.alerts_unsubscribe_mailto,
            ),
        )

    def _subscribe_alerts(self, bus: EventBus) -> None:
        """The confirmation mail of a new subscription; a publish wakes the alerts worker."""
        from bch.services.alerts import SubscriptionEvent
        from bch.services.events import RecordEvent

        bus.subscribe(lambda event: self.alerts.confirmation_mail(event), SubscriptionEvent)
        bus.subscribe(self._wake_alerts, RecordEvent)

    def _wake_alerts(self, event) -> None:
        """A publish wakes a running alerts worker (never builds the service for it)."""
        if "alerts" in self.__dict__:
            self.__dict__["alerts"].wake(event)

    # -- public participation (issue 14) -------------------------------------------------------
    @cached_property
    def form_guard(self):
        """Spam defences of the public forms (BCH_FORM_SECRET, BCH_FORM_MIN_SECONDS)."""
        from bch.services.forms import FormGuard

        s = self.settings
        return FormGuard(s.form_secret, s.form_min_seconds, s.rate_write)

    @cached_property
    def consultations(self):
        """Public consultations on pending decisions (issue 14)."""
        from bch.services.consultations import ConsultationService
        from bch.storage.consultations import ConsultationRepository
        from bch.storage.forums import ForumRepository

        def decision_of(ref: str) -> str | None:
            try:
                return self.records.get(ref, with_links=False).doc.uid_base
            except ServiceError:
                return None

        users = ForumRepository(self.db)

        def name_of(user_id: int) -> str:
            with self.db.reading() as conn:
                return users.display_name(conn, user_id)

        return ConsultationService(
            ConsultationRepository(self.db),
            self.uow,
            self.attachments,
            self.form_guard,
            public_url=self.settings.public_url,
            decision_of=decision_of,
            name_of=name_of,
            data_dir=self.settings.data_dir,
        )

    @cached_property
    def forums(self):
        """Online forums (issue 14); replies by mail where an SMTP server is configured."""
        from bch.services.forum_mail import ForumMail
        from bch.services.forums import ForumService
        from bch.storage.forums import ForumRepository

        s = self.settings
        domain = s.smtp_from.rpartition("@")[2] if s.smtp_host else None
        mail = ForumMail(self.form_guard, public_url=s.public_url, reply_domain=domain or None)
        return ForumService(
            ForumRepository(self.db),
            self.uow,
            self.form_guard,
            mail,
            public_url=s.public_url,
            data_dir=s.data_dir,
        )

    @cached_property
    def personal_data(self):
        """A person's own data in consultations and forums: export and delete (issue 14)."""
        from bch.services.personal_data import PersonalData

        return PersonalData(self.consultations, self.forums, self.uow)

    @cached_property
    def node(self):
        """A national node's sync with the central (issue 12): pull, push, conflicts."""
        import threading

        from bch.services.node_history import NodeHistory
        from bch.services.node_pull import NodePull
        from bch.services.node_push import NodePush
        from bch.services.node_sync import NodeSync
        from bch.services.node_tables import NodeTables
        from bch.storage.node_state import NodeStateRepository

        repo = NodeStateRepository(self.db)
        tables = None
        if self.settings.node_bootstrap == "tables":
            tables = NodeTables(self.db, repo, self.uow)
        return NodeSync(
            self.db,
            repo,
            self.records,
            self.uow,
            self.registry,
            NodePull(
                self.db,
                repo,
                self.records,
                self.uow,
                self.registry,
                tables,
                NodeHistory(repo, self.uow),
            ),
            NodePush(self.db, repo, self.records, self.uow, threading.Event()),
            poll_seconds=self.settings.node_poll_seconds,
        )

    @cached_property
    def idempotency(self):
        """Stored answers to writes sent with an Idempotency-Key (issue 12)."""
        from bch.services.idempotency import IdempotencyService
        from bch.storage.node_state import IdempotencyRepository

        return IdempotencyService(self.uow, IdempotencyRepository())

    @cached_property
    def backup(self):
        """`bch backup` and `bch restore`: the database and its attachment files in one archive."""
        from bch.services.backup import BackupService

        return BackupService(self.db, self.attachments.files.directory)

    def is_empty(self) -> bool:
        with self.store.reading() as conn:
            return self.store.count_documents(conn) == 0

    def close(self) -> None:
        for svc in (*self.copies, self):  # pending bookkeeping (API tokens' last use) first
            if "accounts" in svc.__dict__:
                svc.accounts.usage.close()
        if "latest_change" in self.__dict__:
            self.latest_change.close()
        counters = self.__dict__.get("rate_counters")
        if counters is not None and hasattr(counters, "close"):
            counters.close()
        self.engine.dispose()
