"""The OpenAPI 3.1 description of every public endpoint, served at /api/v1/openapi.json.

Written by hand, next to the views it describes; tests/functional/test_openapi.py checks
that it is a valid document, that it names every public route, and that real answers
match its schemas, so it cannot drift quietly."""
from moderation.store import KINDS, SUBMISSION_KINDS, WEBHOOK_EVENTS

STATUSES = ["received", "pending", "approved", "rejected", "spam"]
ERRORS = {400: "Malformed request: a URL, form or body that is not UTF-8 or holds a NUL, "
              "a body that is not a JSON object, a repeated JSON key, a bad query "
              "parameter (`field` names it when there is one)",
          401: "Send the site's API key as Authorization: Bearer <key>",
          403: "Origin not allowed to post to this site",
          404: "Unknown site, or bad or expired status token",
          409: "The thread is closed to new comments; a second report of one comment; no "
               "mail to verify with",
          413: "Request body too large", 415: "Send application/json or form fields",
          422: "A field is invalid or unknown (`field` names it); for a new comment, also "
               "the code `nudge`: it may come across as uncivil, `words` names why, nothing "
               "was stored, and sending it again with `nudged` = \"1\" stores it",
          429: "Too many requests",
          503: "The database is unavailable"}


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _obj(required: list[str] | None = None, **properties) -> dict:
    return {"type": "object", "properties": properties,
            "required": list(properties) if required is None else required,
            "additionalProperties": False}


STR, INT, TIME = {"type": "string"}, {"type": "integer"}, {"type": "string", "format": "date-time"}
NULLABLE_STR = {"type": ["string", "null"]}
KIND_FILTER = {"enum": [*SUBMISSION_KINDS, ""]}


def _schemas() -> dict:
    submission = dict(
        id=INT, kind={"enum": list(SUBMISSION_KINDS)}, title=STR, author_name=STR,
        html={"type": "string", "description": "Sanitised HTML, safe to insert as is"},
        fields={"type": "object", "description": "The kind's own fields (merchant, price, "
                "link, organisation, embargo_until, ...)", "additionalProperties": STR},
        created_at=TIME, approved_at={"type": ["string", "null"], "format": "date-time"})
    webhook_item = {**submission, "kind": {"enum": list(KINDS)},
                    "status": {"enum": STATUSES}, "decided_at": TIME, "reason": NULLABLE_STR,
                    "thread": _obj(key=STR, url=STR, title=STR),
                    "parent_id": {"type": ["integer", "null"]}}
    return {
        "Error": _obj(error=_obj(
            ["code", "field", "message"], code=STR, field=NULLABLE_STR, message=STR,
            words={"type": "array", "description": "With code `nudge`: the words behind "
                   "the toxicity score; offsets in UTF-16 code units into the body as sent",
                   "items": _obj(word=STR, start=INT, end=INT)})),
        "ThreadInfo": _obj(["url"], url={"type": "string", "format": "uri", "maxLength": 2000,
                                         "description": "A page on one of the site's allowed origins"},
                           title={"type": "string", "maxLength": 200}),
        "Thread": _obj(key=STR, url=STR, title=STR, open={"type": "boolean"}),
        "Comment": _obj(id=INT, parent_id={"type": ["integer", "null"]}, author_name=STR,
                        html={"type": "string", "description": "Sanitised HTML"},
                        created_at=TIME, replies={"type": "array", "items": _ref("Comment")}),
        "CommentPage": _obj(site=STR, thread=STR, count={"type": "integer", "minimum": 0},
                            closed={"type": "boolean",
                                    "description": "The thread takes no new comments"},
                            comments={"type": "array", "items": _ref("Comment")},
                            next={"type": ["string", "null"],
                                  "description": "Pass as `after` for the next page"}),
        "NewComment": _obj(
            ["author_name", "author_email", "body"],
            author_name={"type": "string", "maxLength": 80},
            author_email={"type": "string", "format": "email", "maxLength": 254},
            body={"type": "string", "maxLength": 5000},
            parent_id={"oneOf": [{"type": "integer", "minimum": 1, "maximum": 2**63 - 1},
                                 {"type": "string", "pattern": "^[0-9]+$"}, {"type": "null"}],
                       "description": "An approved comment of this thread"},
            thread_url={"type": "string", "format": "uri"}, thread_title=STR,
            form_token={"type": "string", "description": "From GET .../form-token"},
            website={"type": "string", "description": "Honeypot: leave empty"},
            notify_replies={"type": ["boolean", "string"], "description": "Mail the author "
                            "when a reply to this comment is published (true or \"1\")"},
            reader_token={"type": "string", "description": "From GET .../readers/token once "
                          "the author's address is verified"},
            nudged={"enum": ["1", "0", ""], "description": "\"1\": the reader was asked to "
                    "reconsider this comment (a 422 `nudge`) and sends it anyway"}),
        "NewReport": _obj(["reason"], reason={"enum": ["spam", "abuse", "off_topic", "other"]},
                          note={"type": "string", "maxLength": 500,
                                "description": "Required with the reason other"},
                          reader={"type": "string", "maxLength": 100,
                                  "description": "The widget's key for this reader"},
                          email={"type": "string", "format": "email"}),
        "Accepted202": _obj(status=STR, message=STR),
        "VerificationStarted": _obj(request={"type": "string", "description":
                                             "Secret: pass it to GET .../readers/token"},
                                    message=STR),
        "ReaderToken": _obj(["status"], status={"enum": ["verified", "waiting"]},
                            reader_token=STR),
        "Accepted": _obj(id=INT, status={"enum": STATUSES}, status_token=STR,
                         status_url={"type": "string", "format": "uri"}),
        "FormToken": _obj(token=STR, honeypot={"type": "string",
                                               "description": "Name of the honeypot field"},
                          may_post={"type": "boolean", "description": "Whether the calling "
                                    "page's origin may post to this site"},
                          refusal={**NULLABLE_STR, "description": "Why not, for the reader"},
                          mail={"type": "boolean", "description": "Whether this service "
                                "sends mail (email verification, reply notices)"},
                          limits={"type": "object", "additionalProperties": INT,
                                  "description": "Longest value of each comment field"}),
        "ItemStatus": _obj(id=INT, kind={"enum": list(KINDS)}, status={"enum": STATUSES},
                           reason=NULLABLE_STR, reason_text={**NULLABLE_STR, "description":
                                                             "The reason in a reader's words"},
                           message=NULLABLE_STR),
        "Counts": _obj(counts={"type": "object", "additionalProperties":
                               {"type": "integer", "minimum": 0}}),
        "RecentComments": _obj(comments={"type": "array", "items": _obj(
            id=INT, thread=STR, thread_url=STR, thread_title=STR, author_name=STR,
            html=STR, created_at=TIME)}),
        "Submission": _obj(**submission),
        "SubmissionPage": _obj(submissions={"type": "array", "items": _ref("Submission")},
                               next={"type": ["string", "null"],
                                     "description": "Pass as `cursor` for the next page"}),
        "Health": _obj(status={"enum": ["ok", "unavailable"]}, database=STR, broker=STR),
        "WebhookEvent": _obj(id={"type": "integer", "description": "Same on every retry: deduplicate on it"},
                             type={"enum": list(WEBHOOK_EVENTS)}, created_at=TIME, site=STR,
                             item=_obj(["id", "kind", "status", "html", "created_at"], **webhook_item)),
    }


def _param(name: str, where: str, description: str, schema: dict | None = None,
           required: bool | None = None, **extra) -> dict:
    return {"name": name, "in": where, "description": description,
            "required": where == "path" if required is None else required,
            "schema": schema or STR, **extra}


SITE = _param("site", "path", "The site's key, e.g. `default`")
THREAD = _param("thread", "path", "The thread key the main site chose (may contain `/`)")
ETAG = {"ETag": {"schema": STR, "description": "Send back in If-None-Match"},
        "Cache-Control": {"schema": STR, "description": "public, max-age=0, s-maxage=5: "
                                                    "browsers revalidate, shared caches keep 5 s"}}


def _json(schema: str, description: str, headers: dict | None = None) -> dict:
    answer = {"description": description,
              "content": {"application/json": {"schema": _ref(schema)}}}
    return {**answer, "headers": headers} if headers else answer


def _get(summary: str, schema: str, params: list, errors: tuple = (400, 404),
         cached: bool = False) -> dict:
    responses = {"200": _json(schema, summary, ETAG if cached else None)}
    if cached:
        responses["304"] = {"description": "Not modified (If-None-Match matched the ETag)"}
    responses.update({str(c): _json("Error", ERRORS[c]) for c in errors})
    return {"get": {"summary": summary, "parameters": params, "responses": responses}}


def _static(summary: str, media: str) -> dict:
    return {"get": {"summary": summary, "responses": {"200": {
        "description": summary, "content": {media: {"schema": STR}}}}}}


def document(server_url: str) -> dict:
    limit = _param("limit", "query", "Page size", {"type": "integer", "minimum": 1, "maximum": 200})
    comments = _get("Approved comments of a thread, oldest first, replies nested",
                    "CommentPage", [SITE, THREAD, limit, _param(
                        "after", "query", "The `next` of the previous page",
                        {"type": "integer", "minimum": 0})], cached=True)
    comments["post"] = {
        "summary": "Post a comment (stored as received, answered 202, moderated later)",
        "parameters": [SITE, THREAD, _param(
            "Idempotency-Key", "header", "Sent again with the same post within 24 h, the "
            "first answer comes back and nothing more is stored; with another post: 422",
            {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[\\x21-\\x7e]+$"},
            False)],
        "requestBody": {"required": True, "content": {
            "application/json": {"schema": _ref("NewComment")},
            "application/x-www-form-urlencoded": {"schema": _ref("NewComment")}}},
        "responses": {"202": _json("Accepted", "Stored; moderation follows"),
                      **{str(c): _json("Error", ERRORS[c])
                         for c in (400, 403, 404, 409, 413, 415, 422, 429, 503)}}}
    token = _get("The reader token of a verification request once its link was opened",
                 "ReaderToken", [SITE, _param("request", "query",
                                              "The request id of the verification", STR, True)],
                 (404,))
    token["get"]["responses"]["202"] = _json("ReaderToken", "The link has not been opened yet")
    return {
        "openapi": "3.1.0",
        "info": {"title": "Reader desk moderation API", "version": "1",
                 "description": "Approved comments and submissions for the main site. CORS "
                 "headers go to each site's allowed origins only; a browser POST from any "
                 "other origin is refused with 403."},
        "servers": [{"url": server_url}],
        "paths": {
            "/api/v1/sites/{site}/threads/{thread}/comments": comments,
            "/api/v1/sites/{site}/threads/{thread}": {"put": {
                "summary": "The main site names an article: the URL and title shown beside its "
                           "comments (otherwise the first approved comment's)",
                "security": [{"siteKey": []}],
                "parameters": [SITE, THREAD],
                "requestBody": {"required": True, "content": {
                    "application/json": {"schema": _ref("ThreadInfo")}}},
                "responses": {"200": _json("Thread", "The thread as stored"),
                              **{str(c): _json("Error", ERRORS[c])
                                 for c in (400, 401, 404, 413, 415, 422, 503)}}}},
            "/api/v1/sites/{site}/comments/{comment}/flags": {"post": {
                "summary": "A reader reports a published comment (once per reader)",
                "parameters": [SITE, _param("comment", "path", "The comment's id",
                                            {"type": "integer"})],
                "requestBody": {"required": True, "content": {
                    "application/json": {"schema": _ref("NewReport")},
                    "application/x-www-form-urlencoded": {"schema": _ref("NewReport")}}},
                "responses": {"202": _json("Accepted202", "Recorded"),
                              **{str(c): _json("Error", ERRORS[c])
                                 for c in (400, 403, 404, 409, 413, 415, 422, 429, 503)}}}},
            "/api/v1/sites/{site}/readers/verification": {"post": {
                "summary": "Mail a link that verifies the reader's email address",
                "parameters": [SITE],
                "requestBody": {"required": True, "content": {"application/json": {
                    "schema": _obj(email={"type": "string", "format": "email"})}}},
                "responses": {"202": _json("VerificationStarted", "Mail queued"),
                              **{str(c): _json("Error", ERRORS[c])
                                 for c in (400, 403, 404, 409, 413, 415, 422, 429, 503)}}}},
            "/api/v1/sites/{site}/readers/token": token,
            "/api/v1/sites/{site}/form-token": _get(
                "A signed form-served time for the anti-spam check", "FormToken", [SITE], (404,)),
            "/api/v1/status/{token}": _get(
                "A submitter's own item status", "ItemStatus",
                [_param("token", "path", "The status token from the 202 answer")], (404,)),
            "/api/v1/sites/{site}/counts": _get(
                "Approved comment counts of many threads", "Counts",
                [SITE, _param("thread", "query", "Thread keys: 1 to 100 different ones "
                              "(a key repeated counts once)",
                              {"type": "array", "items": STR, "minItems": 1},
                              True, style="form", explode=True)], cached=True),
            "/api/v1/sites/{site}/comments/recent": _get(
                "Latest approved comments site-wide", "RecentComments",
                [SITE, _param("limit", "query", "How many", {"type": "integer", "minimum": 1,
                                                             "maximum": 50})], cached=True),
            "/api/v1/sites/{site}/submissions": _get(
                "Approved reader submissions in approval order (keyset paged)", "SubmissionPage",
                [SITE, _param("kind", "query", "Only this kind (empty: every kind)", KIND_FILTER),
                 # Not format: date-time: the server takes any ISO 8601 time or date
                 # (datetime.fromisoformat), and an empty value as no bound.
                 _param("since", "query", "Approved at or after this ISO 8601 time, such as "
                        "2026-01-31T08:00:00Z (empty: no bound)", STR),
                 _param("cursor", "query", "The `next` of the previous page"),
                 _param("limit", "query", "Page size", {"type": "integer", "minimum": 1, "maximum": 100})],
                cached=True),
            "/feeds/{site}/submissions.atom": {"get": {
                "summary": "The latest approved submissions as an Atom 1.0 feed",
                "parameters": [SITE, _param("kind", "query", "Only this kind (empty: every kind)",
                                            KIND_FILTER)],
                "responses": {"200": {"description": "Atom feed", "content": {
                    "application/atom+xml": {"schema": STR}}, "headers": ETAG},
                    "304": {"description": "Not modified"},
                    "400": {"description": ERRORS[400]}, "404": {"description": ERRORS[404]}}}},
            "/api/v1/openapi.json": {"get": {"summary": "This document", "responses": {
                "200": {"description": "OpenAPI 3.1", "content": {
                    "application/json": {"schema": {"type": "object"}}}}}}},
            "/healthz": {"get": {"summary": "Database and broker reachable", "responses": {
                "200": _json("Health", "Healthy"), "503": _json("Health", "Unavailable")}}},
            "/embed.js": _static("The comments widget", "text/javascript"),
            "/count.js": _static("The comment-count widget", "text/javascript"),
            "/recent.js": _static("The recent-comments widget", "text/javascript"),
        },
        "webhooks": {event: {"post": {
            "summary": f"{event}, signed as Standard Webhooks: webhook-id (the same on every "
                       "retry), webhook-timestamp, webhook-signature: v1,<base64 HMAC-SHA256 of "
                       "id.timestamp.body> under the endpoint's whsec_ secret (two, space "
                       "separated, during a secret rotation)",
            "requestBody": {"content": {"application/json": {"schema": _ref("WebhookEvent")}}},
            "responses": {"2XX": {"description": "Received; anything else is retried with backoff"}}}}
            for event in WEBHOOK_EVENTS},
        "components": {"schemas": _schemas(), "securitySchemes": {"siteKey": {
            "type": "http", "scheme": "bearer",
            "description": "The site's API key, made by an admin at /admin/sites"}}},
    }
