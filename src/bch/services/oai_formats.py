"""OAI-PMH metadata formats: Dublin Core (`oai_dc`) and the native record document (`bch`).

Pure functions from a record (document row + redacted body) to an ElementTree element."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import Any

from bch.records.identifiers import REFERENCE_OWNER
from bch.records.languages import LANGUAGES
from bch.records.realms import RealmRegistry, UnknownSchema
from bch.records.thesaurus import Thesaurus
from bch.services import richtext
from bch.storage.rows import DocumentRow

OAI_NS = "http://www.openarchives.org/OAI/2.0/"
OAI_DC_NS = "http://www.openarchives.org/OAI/2.0/oai_dc/"
DC_NS = "http://purl.org/dc/elements/1.1/"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
XML_NS = "http://www.w3.org/XML/1998/namespace"
BCH_NS = "urn:bch:record:1.0"
BCH_SCHEMA_PATH = "/oai/schemas/bch-record.xsd"

OAI_ID_NS = "http://www.openarchives.org/OAI/2.0/oai-identifier"
for _prefix, _uri in (
    ("oai_dc", OAI_DC_NS),
    ("dc", DC_NS),
    ("xsi", XSI_NS),
    ("bch", BCH_NS),
    ("oai-identifier", OAI_ID_NS),
    ("", OAI_NS),  # every element of an OAI-PMH response is qualified, so it can be the default
):
    ET.register_namespace(_prefix, _uri)

_XML_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")
_BAD_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


@dataclass(frozen=True)
class MetadataFormat:
    prefix: str
    schema: str  # URL of the XSD
    namespace: str


def formats(base_url: str) -> list[MetadataFormat]:
    return [
        MetadataFormat("oai_dc", "http://www.openarchives.org/OAI/2.0/oai_dc.xsd", OAI_DC_NS),
        MetadataFormat("bch", f"{base_url}{BCH_SCHEMA_PATH}", BCH_NS),
    ]


def clean(text: Any) -> str:
    """Text safe for XML 1.0 (control characters dropped)."""
    return _BAD_CHARS.sub("", str(text))


def _is_lstring(value: Any) -> bool:
    return (
        isinstance(value, dict)
        and bool(value)
        and all(k in LANGUAGES and isinstance(v, str) for k, v in value.items())
    )


def _sub(parent: ET.Element, ns: str, tag: str, text: Any = None, **attrs: str) -> ET.Element:
    el = ET.SubElement(parent, f"{{{ns}}}{tag}", attrs)
    if text is not None:
        el.text = clean(text)
    return el


def _value(parent: ET.Element, key: str, value: Any) -> None:
    """JSON value -> native XML: objects nest, arrays wrap <item>, language maps <text xml:lang>."""
    if _XML_NAME.match(key):
        el = _sub(parent, BCH_NS, key)
    else:
        el = _sub(parent, BCH_NS, "field", name=clean(key))
    if _is_lstring(value):
        for lang, text in value.items():
            _sub(el, BCH_NS, "text", text, **{f"{{{XML_NS}}}lang": lang})
    elif isinstance(value, dict):
        for k, v in value.items():
            _value(el, k, v)
    elif isinstance(value, list):
        for v in value:
            _value(el, "item", v)
    elif isinstance(value, bool):
        el.text = "true" if value else "false"
    elif value is not None:
        el.text = clean(value)


def native(doc: DocumentRow, body: dict[str, Any]) -> ET.Element:
    root = ET.Element(
        f"{{{BCH_NS}}}record",
        {
            "uid": f"{doc.uid_base}-{doc.latest_revision}",
            "identifier": doc.identifier,
            "realm": doc.realm,
            "schema": doc.schema,
            "revision": str(doc.latest_revision),
        },
    )
    document = _sub(root, BCH_NS, "document")
    for key, value in body.items():
        _value(document, key, value)
    return root


def _lang_texts(parent: ET.Element, tag: str, value: Any) -> None:
    if _is_lstring(value):
        for lang, text in value.items():
            if text:
                _sub(parent, DC_NS, tag, text, **{f"{{{XML_NS}}}lang": lang})
    elif isinstance(value, str) and value:
        _sub(parent, DC_NS, tag, value)


def dublin_core(
    doc: DocumentRow,
    body: dict[str, Any],
    *,
    registry: RealmRegistry,
    thesaurus: Thesaurus,
    base_url: str,
) -> ET.Element:
    root = ET.Element(
        f"{{{OAI_DC_NS}}}dc",
        {
            f"{{{XSI_NS}}}schemaLocation": f"{OAI_DC_NS} http://www.openarchives.org/OAI/2.0/oai_dc.xsd"
        },
    )
    _lang_texts(root, "title", doc.title)
    try:
        rt = registry.record_type(doc.schema, doc.realm)
    except UnknownSchema:
        rt = None
    subjects: list[str] = []
    for key, value in body.items():
        field = rt.fields.get(key) if rt else None
        if field is None or field.type != "term" or key == "government":
            continue
        for item in value if isinstance(value, list) else [value]:
            term = (
                thesaurus.term(str(item.get("identifier", ""))) if isinstance(item, dict) else None
            )
            if term and term.label("en") not in subjects:
                subjects.append(term.label("en"))
    for subject in subjects:
        _sub(root, DC_NS, "subject", subject)
    description = body.get("description")
    described = rt.fields.get("description") if rt is not None else None
    if described is not None and described.rich and _is_lstring(description):
        # Dublin Core descriptions are plain text: what a reader of the HTML sees
        description = {lang: richtext.as_text(str(t)) for lang, t in description.items()}
    _lang_texts(root, "description", description)
    if rt is not None:
        _sub(root, DC_NS, "type", rt.title.get("en", doc.schema))
    _sub(root, DC_NS, "type", doc.schema)
    if isinstance(body.get("date"), str):
        _sub(root, DC_NS, "date", body["date"])
    _sub(root, DC_NS, "date", doc.updated_at.strftime("%Y-%m-%d"))
    _sub(root, DC_NS, "identifier", f"{doc.uid_base}-{doc.latest_revision}")
    _sub(root, DC_NS, "identifier", f"{base_url}/api/v1/records/{doc.uid_base}")
    if isinstance(body.get("uniqueIdentification"), str):
        _sub(root, DC_NS, "identifier", body["uniqueIdentification"])
    for lang in body.get("header", {}).get("languages") or []:
        _sub(root, DC_NS, "language", lang)
    if doc.owner != REFERENCE_OWNER:
        _sub(root, DC_NS, "coverage", doc.owner)
    _sub(root, DC_NS, "publisher", f"Biosafety Clearing-House ({doc.realm})")
    return root


BCH_XSD = f"""<?xml version="1.0" encoding="UTF-8"?>
<!-- The native BCH record format of the OAI-PMH endpoint (metadataPrefix=bch).
     A record document as XML: JSON objects become nested elements named after their keys,
     arrays become <item> children, language maps become <text xml:lang="..."> children,
     keys that are not XML names become <field name="...">. -->
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:bch="{BCH_NS}"
           targetNamespace="{BCH_NS}" elementFormDefault="qualified">
  <xs:element name="record">
    <xs:complexType>
      <xs:sequence>
        <xs:element name="document" type="bch:anyContent"/>
      </xs:sequence>
      <xs:attribute name="uid" type="xs:string" use="required"/>
      <xs:attribute name="identifier" type="xs:string" use="required"/>
      <xs:attribute name="realm" type="xs:string" use="required"/>
      <xs:attribute name="schema" type="xs:string" use="required"/>
      <xs:attribute name="revision" type="xs:positiveInteger" use="required"/>
    </xs:complexType>
  </xs:element>
  <xs:complexType name="anyContent" mixed="true">
    <xs:sequence>
      <xs:any namespace="##targetNamespace" processContents="lax" minOccurs="0"
              maxOccurs="unbounded"/>
    </xs:sequence>
    <xs:anyAttribute processContents="lax"/>
  </xs:complexType>
</xs:schema>
"""
