"""What our JSON export says, checked before anything of it is stored: every value's
type, length and time, and that an item's decisions are moves the state machine allows
from `received` to the item's status. A bad thread or item is skipped, named, with the
reason; a bad site makes the whole file unreadable."""
from datetime import datetime

from moderation.importers.records import (
    TEXT_LIMIT,
    THREAD_KEY,
    Comment,
    ImportFileError,
    Skipped,
    Thread,
    parse_time,
)
from moderation.lifecycle import REASONS, TRANSITIONS
from moderation.store import KINDS


class Invalid(ValueError):
    pass


def _str(data: dict, name: str, limit: int = TEXT_LIMIT, required: bool = False) -> str:
    value = data.get(name)
    if value is None and not required:
        return ""
    if not isinstance(value, str):
        raise Invalid(f"its {name} is not a string")
    if len(value) > limit:
        raise Invalid(f"its {name} is {len(value):,} characters long; at most {limit:,} here")
    if required and not value.strip():
        raise Invalid(f"its {name} is empty")
    return value


def _time(data: dict, name: str, required: bool = True) -> datetime | None:
    value = data.get(name)
    if value is None and not required:
        return None
    try:
        return parse_time(value)
    except (TypeError, ValueError):
        raise Invalid(f"its {name} {str(value)[:40]!r} is not a time") from None


def _int(data: dict, name: str) -> int | None:
    value = data.get(name)
    if value is not None and (isinstance(value, bool) or not isinstance(value, int)
                              or not 0 < value < 2**63):
        raise Invalid(f"its {name} is not a whole number")
    return value


def _list(data: dict, name: str) -> list[dict]:
    value = data.get(name) or []
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise Invalid(f"its {name} is not a list of objects")
    return value


def site(value) -> dict:
    """The site's settings; ImportFileError when they are not usable."""
    try:
        if not isinstance(value, dict):
            raise Invalid("it is not an object")
        origins, policy = value.get("allowed_origins") or [], value.get("policy") or {}
        if not isinstance(origins, list) or not all(isinstance(o, str) for o in origins):
            raise Invalid("its allowed_origins is not a list of strings")
        if not isinstance(policy, dict):
            raise Invalid("its policy is not an object")
        return {"key": _str(value, "key", 64, required=True), "name": _str(value, "name", 200),
                "allowed_origins": origins, "policy": policy,
                "created_at": _time(value, "created_at", required=False)}
    except Invalid as exc:
        raise ImportFileError(f"the export's site: {exc}") from None


def thread(value) -> Thread | Skipped:
    key = value.get("key") if isinstance(value, dict) else None
    label = f"thread {str(key)[:200]!r}"
    try:
        if not isinstance(key, str) or not THREAD_KEY.fullmatch(key):
            raise Invalid("its key is not 1-200 visible characters")
        is_open = value.get("is_open", True)
        if not isinstance(is_open, bool):
            raise Invalid("its is_open is not true or false")
        return Thread(key=key, url=_str(value, "url", 2000), title=_str(value, "title", 300),
                      is_open=is_open, created_at=_time(value, "created_at", required=False))
    except Invalid as exc:
        return Skipped(f"thread:{key}", label, str(exc))


def item(value, threads: dict[str, Thread], site_key: str | None) -> Comment | Skipped:
    number = value.get("id") if isinstance(value, dict) else None
    source_id, label = f"{site_key}:{number}", f"item {number}"
    try:
        if _int(value if isinstance(value, dict) else {}, "id") is None:
            raise Invalid("it is not an object with a whole-number id")
        kind, status = value.get("kind"), value.get("status")
        if kind not in KINDS:
            raise Invalid(f"its kind {str(kind)[:40]!r} is not one of {', '.join(KINDS)}")
        if status not in TRANSITIONS:
            raise Invalid(f"its status {str(status)[:40]!r} is not one we have")
        thread = None
        if kind == "comment":
            key = _str(value, "thread", 200, required=True)
            thread = threads.get(key) or (Thread(key) if THREAD_KEY.fullmatch(key) else None)
            if thread is None:
                raise Invalid(f"its thread {key!r} is not a thread key")
        parent = _int(value, "parent_id")
        decisions = [_decision(step, n) for n, step in enumerate(_list(value, "decisions"), 1)]
        _check_path(decisions, status)
        fields = value.get("fields") or {}
        if not isinstance(fields, dict) or not all(
                isinstance(v, str) and len(v) <= 2000 for v in fields.values()):
            raise Invalid("its fields are not an object of strings")
        signals, score, version = value.get("signals") or [], value.get("score"), value.get("version")
        if not isinstance(signals, list):
            raise Invalid("its signals are not a list")
        if score is not None and (isinstance(score, bool) or not isinstance(score, int | float)):
            raise Invalid("its score is not a number")
        if isinstance(version, bool) or not isinstance(version, int) or version < 1:
            raise Invalid("its version is not a whole number")
        details = {
            "status": status, "version": version, "fields": fields, "signals": signals,
            "score": score, "title": _str(value, "title", 300),
            "user_agent": _str(value, "user_agent", 500), "referrer": _str(value, "referrer", 2000),
            "honeypot": _str(value, "honeypot", 500), "ip": _str(value, "ip", 45),
            "ip_prefix": _str(value, "ip_prefix", 45),
            "form_served_at": _time(value, "form_served_at", required=False),
            "decided_at": _time(value, "decided_at", required=False), "decisions": decisions,
            "notes": [{"actor": _str(n, "actor", 80, required=True), "body": _str(n, "body"),
                       "created_at": _time(n, "created_at")} for n in _list(value, "notes")],
            "edits": [{"actor": _str(e, "actor", 80, required=True),
                       "title_before": _str(e, "title_before", 300),
                       "title_after": _str(e, "title_after", 300),
                       "body_before": _str(e, "body_before"), "body_after": _str(e, "body_after"),
                       "created_at": _time(e, "created_at")} for e in _list(value, "edits")],
        }
        return Comment(
            source_id=source_id, label=label, thread=thread, kind=kind, status=status,
            body=_str(value, "body_raw"),
            author_name=_str(value, "author_name", 100),
            author_email=_str(value, "author_email", 254), ip=details["ip"],
            created_at=_time(value, "created_at"),
            parent_id=f"{site_key}:{parent}" if parent is not None else None, details=details)
    except Invalid as exc:
        return Skipped(source_id, label, str(exc))


def _decision(step: dict, number: int) -> dict:
    reason = _str(step, "reason", 40)
    if reason and reason not in REASONS:
        raise Invalid(f"its decision {number} has the unknown reason {reason!r}")
    message = step.get("message")
    return {"from": _str(step, "from", 20), "to": _str(step, "to", 20),
            "actor": _str(step, "actor", 80, required=True), "reason": reason,
            "note": _str(step, "note"), "created_at": _time(step, "created_at"),
            "message": _str(step, "message") if message is not None else None}


def _check_path(decisions: list[dict], status: str) -> None:
    """Every status change of an item has its Decision, so they lead from `received`,
    one allowed move at a time, to the item's status."""
    now = "received"
    for number, step in enumerate(decisions, 1):
        if step["from"] != now or step["to"] not in TRANSITIONS[now]:
            raise Invalid(f"its decision {number} ({step['from']} -> {step['to']}) is not a "
                          f"move the state machine allows from {now}")
        now = step["to"]
    if now != status:
        raise Invalid(f"its decisions end at {now}, but its status is {status}")
