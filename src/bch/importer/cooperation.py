"""The CHM realm's records from the Secretariat's 2014 note on cooperation (issue 16 item 7).

``cooperation_2014.json`` transcribes the CBD Executive Secretary's note on cooperation with other
organizations, conventions and initiatives for COP-MOP 7: the meeting, the decisions it cites,
15 organizations (with the role the note gives them) and 12 activities. They become CHM-realm
records (``header.realm`` "CHM"): ``organization`` (ORG), ``event`` (EVT: COP-MOP 7 and every
activity the note dates) and ``cooperativeActivity`` (COOP), each activity linked to its
organizations, to its own event and to the meeting it was reported to. Only what the file says:
no country, no cooperation instrument and no organizer that the note does not name.
"""

from __future__ import annotations

from typing import Any

from bch.importer.registers import country_code
from bch.importer.shapes import document, link, lstring, put, ref
from bch.importer.terms import Terms

REALM = "CHM"
SOURCE = (
    "Source: note by the Executive Secretary on cooperation with other organizations, "
    "conventions and initiatives, COP-MOP 7 (Pyeongchang, 2014), transcribed in "
    "cooperation_2014.json."
)


def chm_document(schema: str, key: str) -> dict[str, Any]:
    """A CHM-realm document; its identifier cannot meet a BCH record's of the same key."""
    doc = document(f"{REALM}:{schema}", key)
    doc["header"]["schema"] = schema
    doc["header"]["realm"] = REALM
    return doc


def _place(text: str) -> tuple[str, str | None]:
    """``Montreal, Canada`` -> (``Montreal``, ``CA``); a country the registry lacks -> None."""
    city, _, name = (text or "").rpartition(",")
    return city.strip(), country_code(name.strip())


def _event(key: str, title: str, start: str, end: str, place: str, terms: Terms) -> dict:
    doc = chm_document("event", key)
    doc["title"] = lstring(title)
    put(doc, "eventTypes", [t for t in [terms.code("EventTypes", "meeting")] if t])
    doc["startDate"] = start
    put(doc, "endDate", end)
    if place:
        city, code = _place(place)
        put(doc, "city", lstring(city))
        if code:
            doc["country"] = {"identifier": code}
        doc["isOnline"] = False
    return doc


def build_cooperation(data: dict[str, Any], terms: Terms) -> tuple[list[dict], dict[str, int]]:
    orgs: dict[str, dict] = {}
    for item in data.get("organizations", []):
        doc = chm_document("organization", item["name"])
        doc["name"] = lstring(item["name"])
        put(doc, "description", lstring(f"Role reported in 2014: {item.get('role', '')}."))
        if item.get("url"):
            doc["websites"] = [link(item["url"], item["name"])]
        doc["relevantInformation"] = lstring(SOURCE)
        orgs[item["name"]] = doc
    meeting = data.get("meeting") or {}
    events: list[dict] = []
    cop = None
    if meeting.get("name") and meeting.get("start"):
        cop = _event(
            "meeting",
            meeting["name"],
            meeting["start"],
            meeting.get("end", ""),
            meeting.get("place", ""),
            terms,
        )
        cited = "; ".join(f"{d['id']} ({d['subject']})" for d in data.get("decisions_cited", []))
        text = (
            f"Agenda item {meeting.get('agenda_item', '')}." if meeting.get("agenda_item") else ""
        )
        text += f" Decisions cited by the note on cooperation: {cited}." if cited else ""
        put(cop, "description", lstring(text.strip()))
        cop["relevantInformation"] = lstring(SOURCE)
        events.append(cop)
    activities = []
    for item in data.get("activities", []):
        doc = chm_document("cooperativeActivity", item["title"])
        doc["title"] = lstring(item["title"])
        linked = [
            orgs[n]["header"]["identifier"] for n in item.get("organizations", []) if n in orgs
        ]
        if linked:
            doc["partnerOrganization"] = ref(linked[0])
            doc["organizations"] = [ref(i) for i in linked]
        if item.get("start"):
            ev = _event(
                item["title"],
                item["title"],
                item["start"],
                item.get("end", ""),
                item.get("place", ""),
                terms,
            )
            ev["relevantInformation"] = lstring(SOURCE)
            events.append(ev)
            doc["events"] = [ref(ev["header"]["identifier"])]
            doc["startDate"] = item["start"]
            put(doc, "endDate", item.get("end", ""))
        put(doc, "year", item.get("year"))
        groups = item.get("discussion_groups") or []
        if groups:
            doc["activities"] = lstring("Discussion groups: " + "; ".join(groups) + ".")
        if cop is not None:
            doc["reportedAt"] = ref(cop["header"]["identifier"])
        doc["relevantInformation"] = lstring(SOURCE)
        activities.append(doc)
    docs = [*orgs.values(), *events, *activities]
    report = {
        "chm_organization": len(orgs),
        "chm_event": len(events),
        "chm_cooperativeActivity": len(activities),
    }
    return docs, report
