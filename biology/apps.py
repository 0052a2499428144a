from django.apps import AppConfig


class BiologyConfig(AppConfig):
    """The leukaemia's biology: karyotype and mutations at screening and at relapse, and
    the ELN risk derived from them."""

    name = "biology"

    def ready(self) -> None:
        # The record pages and the write API serve every registered kind; the output
        # serializer registers itself with visits.serializers.FormOutput on import.
        from biology import crfs, serializers, services  # noqa: F401
        from visits.records import RecordKind, record_kinds_register

        record_kinds_register(
            RecordKind(
                crfs.SPECIMEN, services.specimen_record, services.specimen_update, "specimen"
            )
        )
