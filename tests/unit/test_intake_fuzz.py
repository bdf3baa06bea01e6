"""Property: whatever a reader sends as fields, intake either builds an item or raises an
IntakeError naming a field it was sent; never another exception (which would be a 500).
Covers the HTML submission forms too, which the OpenAPI fuzzing cannot reach."""
import hypothesis
from hypothesis import strategies as st
from sqlalchemy import select

from moderation import fields, intake
from moderation.store import SUBMISSION_KINDS, Site

TRICKY = ["", " ", "\x00", "\ud800", "a\r\nb", "a\x85b", "\u2028", "\ufffd", "²", "٣", "-1",
          "9" * 30, "9" * 5000, "javascript:alert(1)", "http://", "https://[::1", "2026-02-30",
          "9999-12-31T23:59+23:59", "1e999999", "NaN", "-0", "$-5", "ada@", "a@b",
          "@example.org", "ada@xn--"]
VALUES = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=40),
                   st.sampled_from(TRICKY), st.lists(st.text(max_size=3), max_size=2),
                   st.dictionaries(st.text(max_size=3), st.text(max_size=3), max_size=2))
SETTINGS = hypothesis.settings(
    max_examples=150, deadline=None, derandomize=True, database=None,
    suppress_health_check=[hypothesis.HealthCheck.function_scoped_fixture])


def _fields(names):
    return st.fixed_dictionaries({}, optional={name: VALUES for name in names})


@SETTINGS
@hypothesis.given(thread=st.one_of(st.text(max_size=5), st.sampled_from(TRICKY)),
                  data=_fields(intake.COMMENT_FIELDS))
def test_any_comment_fields_are_taken_or_refused_by_name(thread, data):
    try:
        fields.check_fields(data, intake.COMMENT_FIELDS)
        intake.check_comment(thread, data)
    except intake.IntakeError as exc:
        assert exc.field in {*data, "thread"} or exc.message.endswith("is required")
        assert 400 <= exc.status < 500


@SETTINGS
@hypothesis.given(kind=st.sampled_from(SUBMISSION_KINDS),
                  data=_fields(["author_name", "author_email", "title", "body",
                                *{n for fields in intake.KIND_FIELDS.values() for n in fields}]))
def test_any_submission_fields_are_taken_or_refused_by_name(session, kind, data):
    site = session.scalar(select(Site).where(Site.key == "default"))
    try:
        intake.receive_submission(session, site, kind, data, intake.Context())
    except intake.IntakeError as exc:
        assert exc.field in data or exc.message.endswith("is required")
        assert 400 <= exc.status < 500
    finally:
        session.rollback()
