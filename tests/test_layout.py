"""The import arrows of the architecture: models/ knows no web, the web knows no scikit-learn."""

from __future__ import annotations

import subprocess
import sys

import pytest

PROBE_MODELS = """
import sys, models, models.lifecycle, models.persistence, models.__main__
web = {'flask', 'celery', 'sqlalchemy', 'service', 'worker'}
bad = sorted(m for m in sys.modules if m.split('.')[0] in web)
print(','.join(bad))
"""
PROBE_SERVICE = """
import sys
from service import create_app
app = create_app({'SECRET_KEY': 'k', 'SQLALCHEMY_DATABASE_URI': 'sqlite://'})
app.test_client().get('/')
bad = sorted(m for m in sys.modules if m.split('.')[0] in {'sklearn', 'skops', 'models', 'worker'})
print(','.join(bad))
"""


@pytest.mark.parametrize("probe", [PROBE_MODELS, PROBE_SERVICE], ids=["models", "service"])
def test_forbidden_imports_are_absent(probe: str) -> None:
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120
    )
    assert result.stdout.strip() == ""
