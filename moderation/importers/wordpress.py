"""WordPress's export (WXR, Tools > Export): posts, each with its comments.

Comments are keyed by post and comment id ("18/7"): WordPress numbers comments per
blog, and a parent is always on the same post. Pingbacks and trackbacks are skipped and
counted; other comment types (WooCommerce order notes, ...) are not reader comments
and are skipped with their type. A comment's time is its comment_date_gmt, or its
comment_date where WordPress left the GMT one empty or zero."""
from collections.abc import Callable, Iterator

from moderation.importers import xmlstream
from moderation.importers.records import (
    TEXT_LIMIT,
    Comment,
    FieldTooLong,
    Skipped,
    Thread,
    parse_time,
    text,
    thread_key,
)

SOURCE = "wordpress"
POST = "rss/channel/item"
COMMENT = f"{POST}/wp:comment"
SHAPES = {
    POST: frozenset({"title", "link", "wp:post_id", "wp:comment_status"}),
    COMMENT: frozenset({"wp:comment_id", "wp:comment_author", "wp:comment_author_email",
                        "wp:comment_author_url", "wp:comment_author_IP", "wp:comment_date",
                        "wp:comment_date_gmt", "wp:comment_content", "wp:comment_approved",
                        "wp:comment_type", "wp:comment_parent"}),
}
STATUSES = {"1": "approved", "0": "pending", "spam": "spam", "trash": "rejected",
            "post-trashed": "rejected"}
PINGS = ("pingback", "trackback")


def read(path: str, progress: Callable[[int], None] | None = None
         ) -> Iterator[Comment | Skipped]:
    """The comments of a WXR file in file order; raises ImportFileError."""
    post, thread = None, None
    for record in xmlstream.read(path, "rss", SHAPES, TEXT_LIMIT, progress):
        if record.path != COMMENT:
            continue
        if record.parent is not post:
            post, thread = record.parent, _thread(record.parent)
        yield _comment(record, post, thread)


def _post_text(post: dict, field: str) -> str:
    try:
        return text(post, field)
    except FieldTooLong:
        return ""


def _post_key(post: dict) -> str:
    return _post_text(post, "wp:post_id") or _post_text(post, "link")


def _thread(post: dict) -> Thread | None:
    link, post_id = _post_text(post, "link"), _post_text(post, "wp:post_id")
    key = thread_key(link, f"wp-{post_id}" if post_id else "")
    if not key:
        return None
    return Thread(key=key, url=link, title=_post_text(post, "title"),
                  is_open=_post_text(post, "wp:comment_status") != "closed")


def _comment(record, post: dict, thread: Thread | None) -> Comment | Skipped:
    post_key = _post_key(post)
    comment_id = record.get("wp:comment_id", "")
    comment_id = comment_id.strip() if isinstance(comment_id, str) else ""
    source_id = f"{post_key}/{comment_id}"
    label = f"comment {comment_id or '(no id)'} of post {post_key or '(no id)'} (line {record.line})"
    try:
        kind = text(record, "wp:comment_type")
        if kind in PINGS:
            return Skipped(source_id, label, kind)
        if kind not in ("", "comment"):
            return Skipped(source_id, label, f"its type is {kind!r}, not a reader's comment")
        if not comment_id or not post_key:
            return Skipped(source_id, label, "it has no comment id or no post id")
        if thread is None:
            return Skipped(source_id, label, "its post has no link")
        raw_time = text(record, "wp:comment_date_gmt")
        if not raw_time or raw_time.startswith("0000"):
            raw_time = text(record, "wp:comment_date")
        try:
            created_at = parse_time(raw_time)
        except ValueError:
            return Skipped(source_id, label, f"its date {raw_time[:40]!r} is not a date")
        parent = text(record, "wp:comment_parent")
        return Comment(
            source_id=source_id, label=label, thread=thread,
            body=text(record, "wp:comment_content"), author_name=text(record, "wp:comment_author"),
            author_email=text(record, "wp:comment_author_email"),
            website=text(record, "wp:comment_author_url"), ip=text(record, "wp:comment_author_IP"),
            created_at=created_at,
            status=STATUSES.get(text(record, "wp:comment_approved"), "pending"),
            parent_id=f"{post_key}/{parent}" if parent not in ("", "0") else None)
    except FieldTooLong as exc:
        return Skipped(source_id, label, str(exc))
