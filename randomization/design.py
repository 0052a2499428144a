"""The randomization design in force, from the protocol defaults and the settings."""

from __future__ import annotations

from django.conf import settings

from protocol import RandomizationDesign, RandomizationMethod


def current_design() -> RandomizationDesign:
    """Return the design configured for this deployment (see README, configuration)."""
    return RandomizationDesign(
        method=RandomizationMethod(settings.TRIAL_RANDOMIZATION_METHOD),
        factors=tuple(settings.TRIAL_STRATIFICATION_FACTORS),
        block_sizes=tuple(settings.TRIAL_BLOCK_SIZES),
        minimization_probability=settings.TRIAL_MINIMIZATION_PROBABILITY,
    )
