"""System checks that refuse to run the trial on an unsafe randomization design."""

from __future__ import annotations

from django.core.checks import Error, register


@register()
def randomization_design_check(app_configs, **kwargs) -> list[Error]:
    from randomization.design import current_design

    try:
        design = current_design()
    except ValueError as exc:
        return [
            Error(
                f"Unknown randomization method: {exc}",
                id="randomization.E001",
                hint="Set TRIAL_RANDOMIZATION_METHOD to blocks or minimization.",
            )
        ]
    return [
        Error(f"Unsafe randomization design: {problem}", id="randomization.E002")
        for problem in design.problems()
    ]
