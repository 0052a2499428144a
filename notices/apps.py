from django.apps import AppConfig


class NoticesConfig(AppConfig):
    """In-app notices and e-mail to the people a trial event concerns, sent by the worker after
    commit."""

    name = "notices"
