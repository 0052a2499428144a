"""Mail servers that misbehave, for the retry tests (EMAIL_BACKEND in-process or in a worker)."""

from __future__ import annotations

import os
from smtplib import SMTPServerDisconnected

from django.core.mail.backends.filebased import EmailBackend as FileBackend
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend


class DownBackend(LocmemBackend):
    """A mail server that never answers."""

    def send_messages(self, email_messages):
        raise SMTPServerDisconnected("Connection unexpectedly closed")


class FailsFirstTimeBackend(LocmemBackend):
    """A mail server that drops the first connection of this process, then accepts."""

    failures_left = 1

    def send_messages(self, email_messages):
        if FailsFirstTimeBackend.failures_left:
            FailsFirstTimeBackend.failures_left -= 1
            raise SMTPServerDisconnected("Connection unexpectedly closed")
        return super().send_messages(email_messages)


class FileFailsFirstTimeBackend(FileBackend):
    """The file backend, refusing the first message of the worker process (a worker test)."""

    failed = False

    def send_messages(self, email_messages):
        if not FileFailsFirstTimeBackend.failed:
            FileFailsFirstTimeBackend.failed = True
            raise SMTPServerDisconnected(f"Connection unexpectedly closed (pid {os.getpid()})")
        return super().send_messages(email_messages)
