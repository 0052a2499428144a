"""French pages name the background process « le serveur de calcul », not the English
"worker" (issue 16): the CONSORT figure's caption and the analyses' queue messages."""

from __future__ import annotations

from django.utils import translation
from django.utils.translation import gettext


def test_it_names_the_worker_in_french():
    with translation.override("fr"):
        drawn = gettext("Drawn by the worker on %(at)s · figure %(fingerprint)s")
        queued = gettext("Analysis queued: a worker computes it; this page shows its progress.")

    assert drawn == "Dessiné par le serveur de calcul le %(at)s · figure %(fingerprint)s"
    assert "un serveur de calcul la calcule" in queued
    assert "worker" not in drawn + queued
