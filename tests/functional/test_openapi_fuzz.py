"""Property-based tests generated from the OpenAPI description (schemathesis): for every
operation, valid and invalid requests built from /api/v1/openapi.json are sent to the app
in-process, and every answer must be a documented status (never a 5xx) with a body that
matches its schema. Bounded and derandomised, so a run is quick and repeatable."""
import os

import hypothesis
import pytest
import schemathesis
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from moderation.extensions import db
from moderation.web import openapi
from tests.conftest import make_app

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance, negative_data_rejection]
DOCUMENT = openapi.document("http://localhost")
EXAMPLES = int(os.environ.get("MODERATION_FUZZ_EXAMPLES", 25))  # per operation and mode


def _cases():
    """(path, method, mode); invalid requests only where something can be invalid (a
    free-form string in the path cannot)."""
    for path, item in DOCUMENT["paths"].items():
        for method, operation in item.items():
            yield pytest.param(path, method, GenerationMode.POSITIVE, id=f"{method} {path} valid")
            if operation.get("requestBody") or any(
                    p["schema"] != openapi.STR for p in operation.get("parameters", [])):
                yield pytest.param(path, method, GenerationMode.NEGATIVE,
                                   id=f"{method} {path} invalid")


@pytest.fixture
def api_schema(tmp_path):
    app = make_app(f"sqlite:///{tmp_path / 'fuzz.sqlite3'}")
    yield schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    with app.app_context():
        db.engine.dispose()


@pytest.mark.parametrize("path, method, mode", list(_cases()))
def test_generated_requests_get_documented_answers(api_schema, path, method, mode):
    operation = api_schema[path][method]
    # The one site that exists, so requests get past the 404 and reach the real checks.
    site = {"site": "default"} if "{site}" in path else None

    @hypothesis.given(case=operation.as_strategy(generation_mode=mode, path_parameters=site))
    @hypothesis.settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                         suppress_health_check=list(hypothesis.HealthCheck))
    def run(case):
        case.validate_response(case.call(), checks=CHECKS)

    run()
