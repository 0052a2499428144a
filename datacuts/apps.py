from django.apps import AppConfig


class DatacutsConfig(AppConfig):
    """Frozen data cuts: datasets, results, figures and an R script, never changed after
    freezing."""

    name = "datacuts"
