"""The rule between the settings and the deploy region for Deep Learning Container images (CDK-free, so the
settings loader, app.py and every command can apply it before any construct loads)."""

from __future__ import annotations

from stacks.config.settings import Settings


def image_region_problems(settings: Settings, region: str) -> list[str]:
    """One line per endpoint (the inference endpoint when enabled, the forecast endpoint when a forecast model is
    set) whose image is not published in `region`.

    The training image is checked when a job is prepared (TrainingSettings.region_problem): the Platform layer
    deploys without it, its training role then simply pulls nothing.
    """
    if not settings.has("platform"):
        return []
    problems = (settings.platform.region_problem(region), settings.platform.forecast_region_problem(region))
    return [problem for problem in problems if problem]
