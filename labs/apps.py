from django.apps import AppConfig


class LabsConfig(AppConfig):
    """Blood counts and transfusions, per cycle: the data behind count recovery and
    the duration of myelosuppression."""

    name = "labs"

    def ready(self) -> None:
        # The record pages and the write API serve every registered kind; the output
        # serializers register themselves with visits.serializers.FormOutput on import.
        from labs import crfs, serializers, services  # noqa: F401
        from visits.records import RecordKind, record_kinds_register

        record_kinds_register(
            RecordKind(
                crfs.BLOOD_COUNT, services.blood_count_record, services.blood_count_update, "count"
            ),
            RecordKind(
                crfs.TRANSFUSION,
                services.transfusion_record,
                services.transfusion_update,
                "transfusion",
            ),
        )
