from django.apps import AppConfig


class MedicationsConfig(AppConfig):
    """Supportive care and concomitant medications, corticosteroids outside the protocol
    among them."""

    name = "medications"

    def ready(self) -> None:
        # The record pages and the write API serve every registered kind; the output
        # serializer registers itself with visits.serializers.FormOutput on import.
        from medications import crfs, serializers, services  # noqa: F401
        from visits.records import RecordKind, record_kinds_register

        record_kinds_register(
            RecordKind(
                crfs.CONCOMITANT_MEDICATION,
                services.concomitant_medication_record,
                services.concomitant_medication_update,
                "medication",
            )
        )
