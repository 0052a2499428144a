from django.apps import AppConfig


class PharmacovigilanceConfig(AppConfig):
    """The sponsor's assessment of SAEs: causality, expectedness against the reference safety
    information, SUSARs on their regulatory clock."""

    name = "pharmacovigilance"
