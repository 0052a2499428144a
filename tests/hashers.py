"""A cheap Argon2 for tests: the same algorithm and hash format, far less memory and time.

Production keeps Django's Argon2 parameters (see test_password_hashing.py).
"""

from django.contrib.auth.hashers import Argon2PasswordHasher


class QuickArgon2PasswordHasher(Argon2PasswordHasher):
    time_cost = 1
    memory_cost = 64
    parallelism = 1
