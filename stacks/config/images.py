"""The rule between the settings and the deploy region for Deep Learning Container images (CDK-free, so the
settings loader, app.py and every command can apply it before any construct loads)."""

from __future__ import annotations

from stacks.config.settings import Settings


def image_region_problems(settings: Settings, region: str) -> list[str]:
    """One line when the enabled inference endpoint's image is not published in `region`.

    The training image is checked when a job is prepared (TrainingSettings.region_problem): the Platform layer
    deploys without it, its training role then simply pulls nothing.
    """
    problem = settings.platform.region_problem(region) if settings.has("platform") else None
    return [problem] if problem else []
