"""The README's configuration table and docker-compose.yml name every variable the code reads."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from service.config import FLOAT_ENV
from service.config import INT_ENV
from service.config import PLAIN_ENV

ROOT = Path(__file__).parents[1]
#: Read by load_config outside the three tables.
OTHER_ENV = {"REDIS_URL", "CELERY_BROKER_URL", "ALLOWED_ORIGINS"}
TABLE_ENV = set(PLAIN_ENV) | set(FLOAT_ENV) | set(INT_ENV)


def configuration_section() -> str:
    readme = (ROOT / "README.md").read_text()
    return readme.split("\n## Configuration\n", 1)[1].split("\n## ", 1)[0]


@pytest.mark.parametrize("name", sorted(TABLE_ENV | OTHER_ENV))
def test_every_variable_has_a_row_in_the_readme(name: str) -> None:
    assert re.search(rf"^\| `{name}` \|", configuration_section(), re.M), name


@pytest.mark.parametrize("name", sorted(TABLE_ENV))
def test_every_variable_is_passed_by_docker_compose(name: str) -> None:
    compose = (ROOT / "docker-compose.yml").read_text()
    assert re.search(rf"^\s+{name}:", compose, re.M), name


def test_the_readme_shows_the_api_docs_screenshot() -> None:
    readme = (ROOT / "README.md").read_text()
    for image in re.findall(r"\]\((docs/[^)]+\.png)\)", readme):
        assert (ROOT / image).is_file(), image
    assert "docs/api-docs.png" in readme
