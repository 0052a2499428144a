from django.apps import AppConfig


class BiologyConfig(AppConfig):
    """The leukaemia's biology: karyotype and mutations at screening and at relapse, and
    the ELN risk derived from them."""

    name = "biology"
