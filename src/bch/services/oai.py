"""OAI-PMH 2.0 protocol logic, independent of HTTP: arguments in, an XML document out.

* identifiers ``oai:{namespace}:{REALM}-{CODE}-{OWNER}-{documentID}`` (stable, revision-less);
* datestamps are the time of the record's last publish or deletion (UTC, seconds granularity);
* sets ``realm:BCH``, ``schema:modifiedOrganism``, ``country:CA`` (and their parents);
* deleted records persist as ``<header status="deleted">`` (the tombstone keeps id and time);
* resumption tokens are stateless and never expire: they carry the request arguments and the
  keyset position (last documentID sent), so a harvest can resume at any later time.

Protocol errors are answered as ``<error code=...>`` inside an HTTP 200 response."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from typing import Any

from bch.records.countries import country as country_named
from bch.records.identifiers import REFERENCE_OWNER, parse_record_uid
from bch.records.realms import RealmRegistry
from bch.records.thesaurus import Thesaurus
from bch.services import oai_formats as fmt
from bch.services.cursors import encode_cursor
from bch.services.oai_lists import (
    SET_KINDS,
    OaiError,
    Window,
    datestamp,
    selection_of,
    window_from_token,
)
from bch.services.policy import ANONYMOUS, Principal, read_scope
from bch.services.records import RecordService
from bch.storage.harvest import HarvestRepository
from bch.storage.records import RecordRepository
from bch.storage.rows import DocumentRow
from bch.storage.scope import ReadScope

PAGE_SIZE = 100
VERBS: dict[str, tuple[set[str], set[str]]] = {  # verb -> (required, optional) arguments
    "Identify": (set(), set()),
    "ListMetadataFormats": (set(), {"identifier"}),
    "ListSets": (set(), {"resumptionToken"}),
    "ListIdentifiers": ({"metadataPrefix"}, {"from", "until", "set", "resumptionToken"}),
    "ListRecords": ({"metadataPrefix"}, {"from", "until", "set", "resumptionToken"}),
    "GetRecord": ({"identifier", "metadataPrefix"}, set()),
}


class OaiRepository:
    """Answers OAI-PMH requests from the record store (published records and tombstones)."""

    def __init__(
        self,
        store: RecordRepository,
        records: RecordService,
        registry: RealmRegistry,
        thesaurus: Thesaurus,
        *,
        base_url: str,
        namespace: str,
        name: str = "Biosafety Clearing-House",
        admin_email: str = "bch-admin@localhost",
        page_size: int = PAGE_SIZE,
        harvest: HarvestRepository | None = None,
    ):
        self.store, self.records, self.registry, self.thesaurus = (
            store,
            records,
            registry,
            thesaurus,
        )
        self.base_url = base_url.rstrip("/")
        self.namespace = namespace
        self.name = name
        self.admin_email = admin_email
        self.page_size = page_size
        self.harvest = harvest or HarvestRepository()

    # -- entry point ----------------------------------------------------------------------------
    def respond(
        self,
        params: list[tuple[str, str]],
        now: datetime | None = None,
        principal: Principal = ANONYMOUS,
    ) -> bytes:
        """The whole OAI-PMH response document for the request arguments (as received), over
        the records the principal may read (read_scope; deletions of such records included)."""
        scope = read_scope(principal)
        root = ET.Element(
            f"{{{fmt.OAI_NS}}}OAI-PMH",
            {
                f"{{{fmt.XSI_NS}}}schemaLocation": f"{fmt.OAI_NS} "
                "http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd"
            },
        )
        ET.SubElement(root, f"{{{fmt.OAI_NS}}}responseDate").text = datestamp(
            now or datetime.now(UTC)
        )
        request = ET.SubElement(root, f"{{{fmt.OAI_NS}}}request")
        request.text = f"{self.base_url}/oai"
        try:
            verb, args = self._arguments(params)
            request.attrib.update(args)
            request.set("verb", verb)
            body = getattr(self, f"_{verb}")(args, scope)
            root.append(body)
        except OaiError as exc:
            if exc.code in ("badVerb", "badArgument"):
                request.attrib.clear()  # only valid requests are echoed
            error = ET.SubElement(root, f"{{{fmt.OAI_NS}}}error", {"code": exc.code})
            error.text = exc.message
        return ET.tostring(root, encoding="utf-8", xml_declaration=True)

    def _arguments(self, params: list[tuple[str, str]]) -> tuple[str, dict[str, str]]:
        verbs = [v for k, v in params if k == "verb"]
        if not verbs:
            raise OaiError("badVerb", "the verb argument is missing")
        if len(verbs) > 1:
            raise OaiError("badVerb", "the verb argument is repeated")
        verb = verbs[0]
        if verb not in VERBS:
            raise OaiError("badVerb", f"{verb!r} is not an OAI-PMH verb ({', '.join(VERBS)})")
        required, optional = VERBS[verb]
        args: dict[str, str] = {}
        for key, value in params:
            if key == "verb":
                continue
            if key not in required | optional:
                raise OaiError("badArgument", f"{verb} does not take the argument {key!r}")
            if key in args:
                raise OaiError("badArgument", f"the argument {key!r} is repeated")
            args[key] = value
        if "resumptionToken" in args:
            if len(args) > 1:
                raise OaiError("badArgument", "resumptionToken is an exclusive argument")
        else:
            missing = sorted(required - args.keys())
            if missing:
                raise OaiError("badArgument", f"{verb} needs the argument(s) {', '.join(missing)}")
        return verb, args

    # -- verbs ----------------------------------------------------------------------------------
    def _Identify(self, _args: dict[str, str], scope: ReadScope) -> ET.Element:
        el = ET.Element(f"{{{fmt.OAI_NS}}}Identify")
        with self.store.reading() as conn:
            earliest = self.harvest.earliest(conn, scope=scope)
        earliest_stamp = datestamp(earliest) if earliest else "1970-01-01T00:00:00Z"
        for tag, text in (
            ("repositoryName", self.name),
            ("baseURL", f"{self.base_url}/oai"),
            ("protocolVersion", "2.0"),
            ("adminEmail", self.admin_email),
            ("earliestDatestamp", earliest_stamp),
            ("deletedRecord", "persistent"),
            ("granularity", "YYYY-MM-DDThh:mm:ssZ"),
        ):
            ET.SubElement(el, f"{{{fmt.OAI_NS}}}{tag}").text = text
        ns = "http://www.openarchives.org/OAI/2.0/oai-identifier"
        desc = ET.SubElement(el, f"{{{fmt.OAI_NS}}}description")
        ident = ET.SubElement(
            desc,
            f"{{{ns}}}oai-identifier",
            {f"{{{fmt.XSI_NS}}}schemaLocation": f"{ns} {ns}.xsd"},
        )
        for tag, text in (
            ("scheme", "oai"),
            ("repositoryIdentifier", self.namespace),
            ("delimiter", ":"),
            ("sampleIdentifier", f"oai:{self.namespace}:BCH-LMO-SCBD-1"),
        ):
            ET.SubElement(ident, f"{{{ns}}}{tag}").text = text
        return el

    def _ListMetadataFormats(self, args: dict[str, str], scope: ReadScope) -> ET.Element:
        if "identifier" in args:
            self._document(args["identifier"], scope)  # idDoesNotExist when unknown
        el = ET.Element(f"{{{fmt.OAI_NS}}}ListMetadataFormats")
        for f in fmt.formats(self.base_url):
            mf = ET.SubElement(el, f"{{{fmt.OAI_NS}}}metadataFormat")
            ET.SubElement(mf, f"{{{fmt.OAI_NS}}}metadataPrefix").text = f.prefix
            ET.SubElement(mf, f"{{{fmt.OAI_NS}}}schema").text = f.schema
            ET.SubElement(mf, f"{{{fmt.OAI_NS}}}metadataNamespace").text = f.namespace
        return el

    def sets(self, scope: ReadScope) -> list[tuple[str, str]]:
        """(setSpec, setName) of every set: the three kinds, each realm, record type and country."""
        out = list(SET_KINDS.items())
        out += [
            (f"realm:{code}", realm.title.get("en", code))
            for code, realm in self.registry.realms.items()
        ]
        seen: set[str] = set()
        for rt in self.registry.all():
            if rt.name not in seen:
                seen.add(rt.name)
                out.append(
                    (f"schema:{rt.name}", rt.title_plural.get("en") or rt.title.get("en", rt.name))
                )
        with self.store.reading() as conn:
            codes = self.harvest.countries(conn, scope=scope)
        for code in codes:
            c = country_named(code)
            out.append((f"country:{code}", c.name.get("en", code) if c else code))
        return out

    def _ListSets(self, args: dict[str, str], scope: ReadScope) -> ET.Element:
        if "resumptionToken" in args:
            raise OaiError(
                "badResumptionToken", "ListSets is answered in one response; no token was issued"
            )
        el = ET.Element(f"{{{fmt.OAI_NS}}}ListSets")
        for spec, name in self.sets(scope):
            s = ET.SubElement(el, f"{{{fmt.OAI_NS}}}set")
            ET.SubElement(s, f"{{{fmt.OAI_NS}}}setSpec").text = spec
            ET.SubElement(s, f"{{{fmt.OAI_NS}}}setName").text = name
        return el

    def _GetRecord(self, args: dict[str, str], scope: ReadScope) -> ET.Element:
        prefix = self._prefix(args["metadataPrefix"])
        doc = self._document(args["identifier"], scope)
        el = ET.Element(f"{{{fmt.OAI_NS}}}GetRecord")
        bodies = self._bodies([doc])
        el.append(self._record(doc, prefix, bodies))
        return el

    def _ListIdentifiers(self, args: dict[str, str], scope: ReadScope) -> ET.Element:
        return self._list("ListIdentifiers", args, scope)

    def _ListRecords(self, args: dict[str, str], scope: ReadScope) -> ET.Element:
        return self._list("ListRecords", args, scope)

    # -- lists ----------------------------------------------------------------------------------
    def _list(self, verb: str, args: dict[str, str], scope: ReadScope) -> ET.Element:
        if "resumptionToken" in args:
            window = window_from_token(verb, args["resumptionToken"])
        else:
            window = Window(
                args["metadataPrefix"], args.get("set"), args.get("from"), args.get("until")
            )
        self._prefix(window.prefix)
        selection = selection_of(window)
        with self.store.reading() as conn:
            docs = self.harvest.page(
                conn, selection, scope=scope, after=window.after, limit=self.page_size + 1
            )
            total = self.harvest.count(conn, selection, scope=scope)
        if not docs:
            raise OaiError("noRecordsMatch", "no records match the arguments")
        more = len(docs) > self.page_size
        docs = docs[: self.page_size]
        el = ET.Element(f"{{{fmt.OAI_NS}}}{verb}")
        if verb == "ListRecords":
            bodies = self._bodies(docs)
            for doc in docs:
                el.append(self._record(doc, window.prefix, bodies))
        else:
            for doc in docs:
                el.append(self._header(doc))
        if more or "resumptionToken" in args:
            token = ET.SubElement(
                el,
                f"{{{fmt.OAI_NS}}}resumptionToken",
                {"completeListSize": str(total), "cursor": str(window.sent)},
            )
            if more:
                token.text = encode_cursor(
                    {
                        "v": verb,
                        "p": window.prefix,
                        "s": window.set_spec,
                        "f": window.since,
                        "u": window.until,
                        "a": docs[-1].id,
                        "n": window.sent + len(docs),
                    }
                )
        return el

    # -- records --------------------------------------------------------------------------------
    def _prefix(self, prefix: str) -> str:
        if prefix not in {f.prefix for f in fmt.formats(self.base_url)}:
            raise OaiError(
                "cannotDisseminateFormat", f"metadataPrefix {prefix!r} is not oai_dc or bch"
            )
        return prefix

    def oai_identifier(self, doc: DocumentRow) -> str:
        return f"oai:{self.namespace}:{doc.uid_base}"

    def _document(self, identifier: str, scope: ReadScope) -> DocumentRow:
        scheme, _, rest = identifier.partition(":")
        _ns, _, local = rest.rpartition(":")
        uid = parse_record_uid(local) if scheme == "oai" and _ns else None
        doc = None
        if uid is not None and uid.revision is None:
            with self.store.reading() as conn:
                doc = self.store.document_by_uid(conn, uid)
        if doc is None or not scope.allows(doc.owner, doc.schema):
            raise OaiError("idDoesNotExist", f"no record {identifier!r} in this repository")
        return doc

    def _bodies(self, docs: list[DocumentRow]) -> dict[int, dict[str, Any]]:
        live = [d.id for d in docs if d.deleted_at is None]
        with self.store.reading() as conn:
            return self.store.latest_bodies(conn, live) if live else {}

    def _header(self, doc: DocumentRow) -> ET.Element:
        attrs = {"status": "deleted"} if doc.deleted_at is not None else {}
        el = ET.Element(f"{{{fmt.OAI_NS}}}header", attrs)
        ET.SubElement(el, f"{{{fmt.OAI_NS}}}identifier").text = self.oai_identifier(doc)
        ET.SubElement(el, f"{{{fmt.OAI_NS}}}datestamp").text = datestamp(doc.updated_at)
        specs = [f"realm:{doc.realm}", f"schema:{doc.schema}"]
        if doc.owner != REFERENCE_OWNER:
            specs.append(f"country:{doc.owner}")
        for spec in specs:
            ET.SubElement(el, f"{{{fmt.OAI_NS}}}setSpec").text = spec
        return el

    def _record(
        self, doc: DocumentRow, prefix: str, bodies: dict[int, dict[str, Any]]
    ) -> ET.Element:
        el = ET.Element(f"{{{fmt.OAI_NS}}}record")
        el.append(self._header(doc))
        if doc.deleted_at is not None or doc.id not in bodies:
            return el
        body = self.records.redact(doc, bodies[doc.id])
        metadata = ET.SubElement(el, f"{{{fmt.OAI_NS}}}metadata")
        if prefix == "bch":
            metadata.append(fmt.native(doc, body))
        else:
            metadata.append(
                fmt.dublin_core(
                    doc,
                    body,
                    registry=self.registry,
                    thesaurus=self.thesaurus,
                    base_url=self.base_url,
                )
            )
        return el
