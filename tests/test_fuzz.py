"""Schemathesis against the live app (WSGI): every operation of /api/openapi.json is fed
valid and invalid requests; no answer may be a 5xx or differ from the spec."""

from __future__ import annotations

import gc
from collections import Counter
from typing import Any

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck
from hypothesis import Phase
from hypothesis import given
from hypothesis import settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance
from schemathesis.specs.openapi.checks import negative_data_rejection
from schemathesis.specs.openapi.checks import response_headers_conformance
from schemathesis.specs.openapi.checks import response_schema_conformance
from schemathesis.specs.openapi.checks import status_code_conformance

#: Examples per operation and mode: 15 operation/mode pairs have inputs, 15 x 36 >= 500.
EXAMPLES = 36
MIN_REQUESTS = 500
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
#: Invalid input must be refused too (a 4xx), except where the API documents leniency.
NEGATIVE_CHECKS = [*CHECKS, negative_data_rejection]


@pytest.fixture
def fuzzed_app(make_app: Any) -> Flask:
    """Rate limits off: the fuzzer posts far faster than any reader may."""
    return make_app(RATELIMIT_ENABLED=False)  # type: ignore[no-any-return]


def test_posting_survives_garbage_collection_with_rate_limits_off(fuzzed_app: Flask) -> None:
    """The fuzzer's first find: the limiter was collected and every POST became a 500."""
    gc.collect()
    response = fuzzed_app.test_client().post(
        "/api/v1/comments", json={"thread": "/gc", "author": "Ann", "body": "Still here?"}
    )
    assert response.status_code == 202


def fuzz(operation: Any, mode: GenerationMode, sent: Counter[str]) -> None:
    """Send EXAMPLES generated requests to one operation; raise on the first failed check."""
    checks = CHECKS if mode is GenerationMode.POSITIVE else NEGATIVE_CHECKS

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate, Phase.shrink],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def exchange(case: Any) -> None:
        response = case.call()
        sent[f"{operation.label} {mode.value}"] += 1
        case.validate_response(response, checks=checks)

    try:
        exchange()
    except Unsatisfiable:
        # An operation without parameters or body has no invalid request to make.
        if mode is GenerationMode.POSITIVE:
            raise


def test_fuzzing_finds_no_server_errors_or_schema_violations(fuzzed_app: Flask) -> None:
    # Staff JSON needs a signed-in session; its tests live with the staff pages.
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", fuzzed_app).exclude(tag="staff")
    sent: Counter[str] = Counter()
    for result in schema.get_all_operations():
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            fuzz(result.ok(), mode, sent)
    total = sum(sent.values())
    print(f"schemathesis: {total} requests over {len(sent)} operation/mode pairs")
    assert total >= MIN_REQUESTS, sent
