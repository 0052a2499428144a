"""CDISC ODM 1.3.2 export: a snapshot of every visible patient's records, streamed.

The document: ODM (FileType Snapshot) > Study (GlobalVariables and the MetaDataVersion
describing the forms of `odm_forms`) > AdminData (the sites as Locations and, with the
audit trail, the accounts that wrote the records as Users) > ClinicalData, one SubjectData
per patient, keyed by the pseudonymous study ID. Empty values are left out.

Patients are read BATCH_SIZE at a time, each kind of record fetched for the whole batch in
one query, so the number of queries grows with the number of batches, never with the number
of patients, and memory stays flat. Everything is read in one REPEATABLE READ transaction
(`snapshot`, as the other exports): the document is one consistent snapshot however long
the download takes.

While the trial runs, a reader who may not see the arms (randomization.blinding) gets no
ItemData of the items that tell the arm (`reveals_arm`: the randomization's arm and position,
the dexamethasone items); the MetaDataVersion is the same for every reader.
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import uuid
from collections.abc import Iterator, Sequence
from typing import Any

from django.db.models import Manager, Min, Model, Prefetch, QuerySet
from django.utils import timezone

import protocol
from accounts.models import Role, Site, User
from accounts.selectors import sites_visible_to
from endpoints.exports import xml_writing as xml
from endpoints.exports.language import in_english
from endpoints.exports.odm_audit import AuditTrails, Change, users_referenced
from endpoints.exports.odm_forms import (
    METADATA_VERSION_NAME,
    METADATA_VERSION_OID,
    ItemGroup,
    StudyEvent,
    code_lists,
    item_groups,
    measurement_units,
    study_events,
)
from endpoints.exports.snapshot import snapshot
from patients.models import Patient
from patients.selectors import patients_visible_to
from randomization.blinding import arms_visible_to

BATCH_SIZE = 500
ODM_NAMESPACE = "http://www.cdisc.org/ns/odm/v1.3"
SYSTEM_USER_OID = "USR.SYSTEM"
# The attribute a prefetched relation's records are read from (`_prefetches`).
PREFETCHED_AS = "_odm_"
_NOT_PREFETCHED = object()
# The accounts listed in AdminData by id; None stands for the system.
Users = dict[int | None, User | None]
_USER_TYPES: dict[str, str] = {
    Role.SPONSOR: "Sponsor",
    Role.COORDINATOR: "Investigator",
    Role.INVESTIGATOR: "Investigator",
}


def odm_export(user: User, *, with_audit: bool) -> Iterator[str]:
    """Yield the ODM document of the patients this account may see, a piece at a time.

    A client that goes away closes the generator, which ends the read-only transaction:
    nothing stays open or locked. Inside a caller's transaction (a test's, a task's) the
    caller's snapshot is the one read.
    """
    yield from in_english(snapshot(lambda: _document(user, with_audit=with_audit)))


def _document(user: User, *, with_audit: bool) -> Iterator[str]:
    created_at = timezone.now().astimezone(dt.UTC)
    arms = arms_visible_to(user)
    patients = patients_visible_to(user)
    # A site's metadata is in effect from its first consent (the export's day if none yet).
    sites = list(
        sites_visible_to(user)
        .annotate(first_consent_on=Min("patients__screening__consent_on"))
        .order_by("number")
    )
    users = _users(patients) if with_audit else {}
    yield (
        _head(created_at)
        + _study()
        + _admin_data(sites, users, created_at.date())
        + xml.start(
            "ClinicalData",
            {"StudyOID": protocol.STUDY_ID, "MetaDataVersionOID": METADATA_VERSION_OID},
        )
    )
    for batch in _batches(patients):
        trails = AuditTrails.load([p.pk for p in batch], item_groups()) if with_audit else None
        for patient in batch:
            yield _subject_data(patient, trails, users, arms=arms)
    yield xml.end("ClinicalData") + xml.end("ODM") + "\n"


@functools.cache
def _relations() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Return the relations every patient of a batch is read with, from the `rows` paths of
    the forms: the one-to-one records joined to the patient, the others in one query each
    for the whole batch. A newly declared form is read the same way, with no change here."""
    paths = {"site"}
    for event in study_events():
        if event.repeat_over:
            paths.add(event.repeat_over)
        for form in event.forms:
            for group in form.item_groups:
                paths.add(".".join(filter(None, (event.repeat_over, group.rows))))
    joined: set[str] = set()
    prefetched: set[str] = set()
    for path in filter(None, paths):
        model: Any = Patient
        steps: list[str] = []
        many = False
        for step in path.split("."):
            field = model._meta.get_field(step)
            many = many or field.one_to_many or field.many_to_many
            steps.append(step)
            (prefetched if many else joined).add("__".join(steps))
            model = field.related_model
    return tuple(sorted(joined)), tuple(sorted(prefetched))


@functools.cache
def _prefetches() -> tuple[Prefetch, ...]:
    """Return the prefetched relations, each into a list attribute (`_odm_<relation>`, read
    by `_rows`) rather than the related manager's cache: for a manager, Django builds a
    queryset per patient and relation (120,000 for 10,000 patients, ~4 s of the export)."""
    prefetched = _relations()[1]  # sorted: a relation comes before the paths through it
    lookups = []
    for path in prefetched:
        steps = path.split("__")
        through = [
            PREFETCHED_AS + step if "__".join(steps[: n + 1]) in prefetched else step
            for n, step in enumerate(steps[:-1])
        ]
        lookups.append(
            Prefetch("__".join([*through, steps[-1]]), to_attr=PREFETCHED_AS + steps[-1])
        )
    return tuple(lookups)


def _batches(patients: QuerySet[Patient]) -> Iterator[list[Patient]]:
    """Yield the patients in study ID order, BATCH_SIZE at a time, with all their records."""
    joined = _relations()[0]
    after = ""
    while True:
        batch = list(
            patients.filter(study_id__gt=after)
            .order_by("study_id")
            .select_related(*joined)
            .prefetch_related(*_prefetches())[:BATCH_SIZE]
        )
        if batch:
            yield batch
        if len(batch) < BATCH_SIZE:
            return
        after = batch[-1].study_id


def _users(patients: QuerySet[Patient]) -> Users:
    """Return the accounts that wrote these patients' records (None: the system)."""
    ids = users_referenced(patients, item_groups())
    found: Users = {u.pk: u for u in User.objects.filter(pk__in=[i for i in ids if i is not None])}
    if len(found) < len(ids):
        found[None] = None
    return found


# --- Head, study and metadata -----------------------------------------------------------


def _head(created_at: dt.datetime) -> str:
    stamp = created_at.isoformat()
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + xml.start(
        "ODM",
        {
            "xmlns": ODM_NAMESPACE,
            "Description": f"{protocol.STUDY_ID} clinical data snapshot",
            "FileType": "Snapshot",
            "FileOID": f"{protocol.STUDY_ID}.ODM.{uuid.uuid4()}",
            "CreationDateTime": stamp,
            "AsOfDateTime": stamp,
            "ODMVersion": "1.3.2",
            "Originator": protocol.SPONSOR,
            "SourceSystem": "trialsite",
        },
    )


def _study() -> str:
    return (
        xml.start("Study", {"OID": protocol.STUDY_ID})
        + xml.start("GlobalVariables")
        + xml.element("StudyName", protocol.STUDY_ID)
        + xml.element("StudyDescription", protocol.STUDY_NAME)
        + xml.element("ProtocolName", protocol.STUDY_ID)
        + xml.end("GlobalVariables")
        + _basic_definitions()
        + _metadata_version()
        + xml.end("Study")
    )


def _basic_definitions() -> str:
    """Return the measurement units the items are recorded in (none: nothing)."""
    units = measurement_units()
    if not units:
        return ""
    return (
        xml.start("BasicDefinitions")
        + "".join(
            xml.start("MeasurementUnit", {"OID": unit.oid, "Name": unit.symbol})
            + xml.translated("Symbol", unit.symbol)
            + xml.end("MeasurementUnit")
            for unit in units
        )
        + xml.end("BasicDefinitions")
    )


def _yes(value: bool) -> str:
    return "Yes" if value else "No"


def _metadata_version() -> str:
    """Return the MetaDataVersion: its children in the order the schema requires."""
    events = study_events()
    parts = [
        xml.start("MetaDataVersion", {"OID": METADATA_VERSION_OID, "Name": METADATA_VERSION_NAME}),
        xml.start("Protocol"),
    ]
    parts += [
        xml.empty(
            "StudyEventRef",
            {"StudyEventOID": event.oid, "OrderNumber": n, "Mandatory": _yes(n == 1)},
        )
        for n, event in enumerate(events, start=1)
    ]
    parts.append(xml.end("Protocol"))
    for event in events:
        parts.append(
            xml.start(
                "StudyEventDef",
                {
                    "OID": event.oid,
                    "Name": event.name,
                    "Repeating": _yes(event.repeating),
                    "Type": event.type,
                },
            )
        )
        parts += [
            xml.empty(
                "FormRef",
                {
                    "FormOID": form.oid,
                    "OrderNumber": n,
                    "Mandatory": _yes(event is events[0]),
                },
            )
            for n, form in enumerate(event.forms, start=1)
        ]
        parts.append(xml.end("StudyEventDef"))
    for event in events:
        for form in event.forms:
            parts.append(
                xml.start("FormDef", {"OID": form.oid, "Name": form.name, "Repeating": "No"})
            )
            parts += [
                xml.empty(
                    "ItemGroupRef", {"ItemGroupOID": group.oid, "OrderNumber": n, "Mandatory": "No"}
                )
                for n, group in enumerate(form.item_groups, start=1)
            ]
            parts.append(xml.end("FormDef"))
    for group in item_groups():
        parts.append(
            xml.start(
                "ItemGroupDef",
                {"OID": group.oid, "Name": group.name, "Repeating": _yes(group.repeating)},
            )
        )
        parts += [
            xml.empty(
                "ItemRef",
                {
                    "ItemOID": item.oid,
                    "OrderNumber": n,
                    "Mandatory": _yes(item.mandatory),
                    "KeySequence": 1 if item.name == group.key else None,
                },
            )
            for n, item in enumerate(group.items, start=1)
        ]
        parts.append(xml.end("ItemGroupDef"))
    for group in item_groups():
        for item in group.items:
            parts.append(
                xml.start(
                    "ItemDef",
                    {
                        "OID": item.oid,
                        "Name": item.name,
                        "DataType": item.data_type,
                        "Length": item.length,
                        "SignificantDigits": item.significant_digits,
                    },
                )
            )
            if item.description:
                parts.append(xml.translated("Description", item.description, item.description_fr))
            parts.append(xml.translated("Question", item.question, item.question_fr))
            if item.unit is not None:
                parts.append(xml.empty("MeasurementUnitRef", {"MeasurementUnitOID": item.unit.oid}))
            if item.code_list is not None:
                parts.append(xml.empty("CodeListRef", {"CodeListOID": item.code_list.oid}))
            parts.append(xml.end("ItemDef"))
    for code_list in code_lists():
        parts.append(
            xml.start(
                "CodeList", {"OID": code_list.oid, "Name": code_list.name, "DataType": "text"}
            )
        )
        parts += [
            xml.start("CodeListItem", {"CodedValue": value, "OrderNumber": n})
            + xml.translated("Decode", label, french)
            + xml.end("CodeListItem")
            for n, ((value, label), french) in enumerate(
                itertools.zip_longest(code_list.items, code_list.labels_fr[: len(code_list.items)]),
                start=1,
            )
        ]
        parts.append(xml.end("CodeList"))
    parts.append(xml.end("MetaDataVersion"))
    return "".join(parts)


# --- Administrative data ------------------------------------------------------------------


def _user_oid(user_id: int | None, users: Users) -> str:
    """Return the User OID of an account, or the system's for a write with no known account."""
    return f"USR.{user_id}" if user_id is not None and user_id in users else SYSTEM_USER_OID


def _location_oid(site: Site) -> str:
    return f"LOC.{site.code}"


def _admin_data(sites: Sequence[Site], users: Users, today: dt.date) -> str:
    parts = [xml.start("AdminData", {"StudyOID": protocol.STUDY_ID})]
    for user_id, account in sorted(users.items(), key=lambda u: (u[0] is None, u[0] or 0)):
        if account is None:
            parts.append(
                xml.start("User", {"OID": SYSTEM_USER_OID, "UserType": "Other"})
                + xml.element("LoginName", "system")
                + xml.element("DisplayName", "Changes made by the system")
                + xml.end("User")
            )
            continue
        parts.append(
            xml.start(
                "User",
                {
                    "OID": _user_oid(user_id, users),
                    "UserType": _USER_TYPES.get(account.role, "Other"),
                },
            )
            # The staff ID, not the log-in name (half of a credential).
            + xml.element("LoginName", account.staff_id)
            + (
                xml.element("DisplayName", account.get_full_name())
                if account.get_full_name()
                else ""
            )
            + xml.end("User")
        )
    for site in sites:
        effective_on = getattr(site, "first_consent_on", None) or today
        parts.append(
            xml.start(
                "Location",
                {
                    "OID": _location_oid(site),
                    "Name": site.name or site.code,
                    "LocationType": "Site",
                },
            )
            + xml.empty(
                "MetaDataVersionRef",
                {
                    "StudyOID": protocol.STUDY_ID,
                    "MetaDataVersionOID": METADATA_VERSION_OID,
                    "EffectiveDate": effective_on.isoformat(),
                },
            )
            + xml.end("Location")
        )
    parts.append(xml.end("AdminData"))
    return "".join(parts)


# --- Clinical data ------------------------------------------------------------------------


def _rows(subject: Any, path: str) -> list[Model]:
    """Return the records at `path` from the subject ("" is the subject itself)."""
    current = [subject]
    for step in filter(None, path.split(".")):
        found: list[Any] = []
        for record in current:
            value = getattr(record, PREFETCHED_AS + step, _NOT_PREFETCHED)  # _prefetches
            if value is _NOT_PREFETCHED:
                value = getattr(record, step, None)  # a missing one-to-one record is None
            if isinstance(value, list):
                found.extend(value)
            elif isinstance(value, Manager):
                found.extend(value.all())  # prefetched: no query
            elif value is not None:
                found.append(value)
        current = found
    return current


def _occurrences(event: StudyEvent, patient: Patient) -> list[tuple[str | None, Any]]:
    if event.repeat_over is None or event.key is None:
        return [(None, patient)]
    return [(str(getattr(row, event.key)), row) for row in _rows(patient, event.repeat_over)]


def _audit_record(change: Change, location_oid: str, users: Users) -> str:
    return (
        xml.start("AuditRecord")
        + xml.empty("UserRef", {"UserOID": _user_oid(change.user_id, users)})
        + xml.empty("LocationRef", {"LocationOID": location_oid})
        + xml.element("DateTimeStamp", change.at.astimezone(dt.UTC).isoformat())
        + (xml.element("ReasonForChange", change.reason) if change.reason else "")
        + xml.element("SourceID", change.source)
        + xml.end("AuditRecord")
    )


def _item_group_data(
    group: ItemGroup,
    row: Model,
    trails: AuditTrails | None,
    users: Users,
    location_oid: str,
    *,
    arms: bool,
) -> str:
    items = []
    for item in group.items:
        if item.reveals_arm and not arms:
            continue
        value = item.value_text(item.read(row))
        change = trails.of_item(row, item) if trails is not None else None
        if value is None and change is None:
            continue
        # An empty item is written only to carry the change that emptied it.
        values = (
            {"ItemOID": item.oid, "Value": value}
            if value is not None
            else {"ItemOID": item.oid, "IsNull": "Yes"}
        )
        if change is None:  # value is not None: xml.empty("ItemData", values), spelt out
            # for the ~3 million values of a 10,000-patient export
            items.append(
                f'<ItemData ItemOID="{xml.attribute_value(item.oid)}" '
                f'Value="{xml.attribute_value(value)}"/>'
            )
        else:
            items.append(
                xml.start("ItemData", values)
                + _audit_record(change, location_oid, users)
                + xml.end("ItemData")
            )
    if not items:
        return ""
    change = trails.of_record(row) if trails is not None else None
    return (
        xml.start(
            "ItemGroupData",
            {"ItemGroupOID": group.oid, "ItemGroupRepeatKey": group.repeat_key(row)},
        )
        + (_audit_record(change, location_oid, users) if change is not None else "")
        + "".join(items)
        + xml.end("ItemGroupData")
    )


def _subject_data(patient: Patient, trails: AuditTrails | None, users: Users, *, arms: bool) -> str:
    # Records are entered at the patient's site, by its staff: the audit records' location.
    location_oid = _location_oid(patient.site)
    parts = [
        xml.start("SubjectData", {"SubjectKey": patient.study_id}),
        xml.empty("SiteRef", {"LocationOID": location_oid}),
    ]
    for event in study_events():
        for repeat_key, subject in _occurrences(event, patient):
            forms = []
            for form in event.forms:
                groups = "".join(
                    _item_group_data(group, row, trails, users, location_oid, arms=arms)
                    for group in form.item_groups
                    for row in _rows(subject, group.rows)
                )
                if groups:
                    forms.append(
                        xml.start("FormData", {"FormOID": form.oid}) + groups + xml.end("FormData")
                    )
            if forms:
                parts += [
                    xml.start(
                        "StudyEventData",
                        {"StudyEventOID": event.oid, "StudyEventRepeatKey": repeat_key},
                    ),
                    *forms,
                    xml.end("StudyEventData"),
                ]
    parts.append(xml.end("SubjectData"))
    return "".join(parts)
