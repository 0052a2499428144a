"""The ODM document is the same whichever way its records are held and its attributes
escaped: the records prefetched into plain lists (`odm._prefetches`) or into the related
managers, each attribute passed as it is when nothing in it needs escaping or escaped in
full. On the demo trial, for a reader who sees the arms (with the audit trail) and one who
does not (without), with a term holding every character an attribute escapes or drops."""

from __future__ import annotations

import re
from xml.sax.saxutils import escape

import pytest
from django.db.models import Prefetch

from accounts.models import User
from demo.trial import demo_trial_seed
from endpoints.exports import odm
from endpoints.exports import xml_writing as xml
from visits.models import AdverseEvent

pytestmark = pytest.mark.django_db
AWKWARD = 'a "quoted" <b> & c\nd\re\tf\x01g\ufffeh'


def _document(user: User, *, audit: bool) -> str:
    text = "".join(odm.odm_export(user, with_audit=audit))
    # What differs between two downloads: the file's id and creation time.
    return re.sub(r'(FileOID|CreationDateTime|AsOfDateTime)="[^"]*"', r'\1=""', text)


def _escaped_in_full(value: object) -> str:
    return escape(xml._NOT_XML.sub("", str(value)), xml._ATTRIBUTE_ENTITIES)


def test_it_writes_the_same_document(db, monkeypatch):
    demo_trial_seed(patients=30, seed=1)
    event = AdverseEvent.objects.order_by("pk").first()
    assert event is not None
    AdverseEvent.objects.filter(pk=event.pk).update(term_specified=AWKWARD)
    for username, audit in (("stat", True), ("sponsor", False)):
        user = User.objects.get(username=username)
        fast = _document(user, audit=audit)
        with monkeypatch.context() as plain:
            plain.setattr(odm, "PREFETCHED_AS", "_not_prefetched_")
            plain.setattr(
                odm,
                "_prefetches",
                lambda: tuple(Prefetch(path) for path in odm._relations()[1]),
            )
            plain.setattr(xml, "attribute_value", _escaped_in_full)
            assert fast == _document(user, audit=audit), (username, audit)
        assert "&quot;quoted&quot; &lt;b&gt; &amp; c&#10;d&#13;e&#9;fgh" in fast
