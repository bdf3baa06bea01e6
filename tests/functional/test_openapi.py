"""The OpenAPI document is valid, names every public route, and real answers match it."""
import re

import jsonschema
from openapi_spec_validator import validate

from tests.conftest import csrf_from, decide, post_comment

PRIVATE = {"ops.demo", "ops.index", "static"}  # the demo page and our own assets


def spec_of(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.get_json()


def check(spec, response, path, method="get"):
    """Validate a real response body against the documented schema of its status code."""
    answers = spec["paths"][path][method]["responses"]
    documented = answers.get(str(response.status_code))
    assert documented, f"{method.upper()} {path} answered {response.status_code}, not documented"
    if response.status_code == 304:
        return
    [(media, content)] = documented["content"].items()
    assert response.mimetype == media
    if media == "application/json":
        schema = {**content["schema"], "components": spec["components"]}
        jsonschema.Draft202012Validator(schema).validate(response.get_json())


def test_document_is_valid_openapi(client):
    validate(spec_of(client))


def test_every_public_route_is_described(app, client):
    paths = spec_of(client)["paths"]
    for rule in app.url_map.iter_rules():
        blueprint = rule.endpoint.split(".")[0]
        if blueprint not in ("api", "feeds", "ops") or rule.endpoint in PRIVATE:
            continue
        template = re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule.rule)
        template = template.replace("{site_key}", "{site}").replace("{thread_key}", "{thread}")
        if "{name}" in template:  # /<any(embed.js, count.js, recent.js):name>
            for name in ("embed.js", "count.js", "recent.js"):
                assert f"/{name}" in paths
            continue
        assert template in paths, f"{rule.rule} is not in openapi.json"
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert method.lower() in paths[template], f"{method} {rule.rule} is not described"


def test_real_answers_match_the_schemas(app, client):
    spec = spec_of(client)
    comments = "/api/v1/sites/{site}/threads/{thread}/comments"
    posted = post_comment(client, thread="news/2026/tram")
    check(spec, posted, comments, "post")
    parent = posted.get_json()
    decide(app, parent["id"])
    check(spec, post_comment(client, thread="news/2026/tram", parent_id=parent["id"],
                             body="A reply about the tram."), comments, "post")
    check(spec, post_comment(client, author_email="nope"), comments, "post")
    check(spec, client.post("/api/v1/sites/default/threads/t/comments", data="x",
                            content_type="text/plain"), comments, "post")
    listing = client.get("/api/v1/sites/default/threads/news/2026/tram/comments")
    check(spec, listing, comments)
    check(spec, client.get(listing.request.path, headers={"If-None-Match": listing.headers["ETag"]}),
          comments)
    check(spec, client.get("/api/v1/sites/nope/threads/t/comments"), comments)
    check(spec, client.get("/api/v1/sites/default/form-token"), "/api/v1/sites/{site}/form-token")
    check(spec, client.get(f"/api/v1/status/{parent['status_token']}"), "/api/v1/status/{token}")
    check(spec, client.get("/api/v1/status/forged"), "/api/v1/status/{token}")
    counts = "/api/v1/sites/{site}/counts"
    check(spec, client.get("/api/v1/sites/default/counts?thread=news/2026/tram&thread=x"), counts)
    check(spec, client.get("/api/v1/sites/default/counts"), counts)
    check(spec, client.get("/api/v1/sites/default/comments/recent?limit=3"),
          "/api/v1/sites/{site}/comments/recent")
    page = client.get("/submit/deal").get_data(as_text=True)
    client.post("/submit/deal", data={
        "author_name": "Dee", "author_email": "dee@example.org", "title": "Cheap passes",
        "body": "Half price this week.", "merchant": "Transit", "link": "https://t.example/d",
        "csrf_token": csrf_from(page)})
    check(spec, client.get("/api/v1/sites/default/submissions"), "/api/v1/sites/{site}/submissions")
    check(spec, client.get("/api/v1/sites/default/submissions?kind=x"), "/api/v1/sites/{site}/submissions")
    check(spec, client.get("/feeds/default/submissions.atom"), "/feeds/{site}/submissions.atom")
    check(spec, client.get("/healthz"), "/healthz")
    check(spec, client.get("/api/v1/openapi.json"), "/api/v1/openapi.json")
    for name in ("embed.js", "count.js", "recent.js"):
        check(spec, client.get(f"/{name}"), f"/{name}")
