"""Export files for the importer tests: small WordPress (WXR) files built to order, and
the hostile ones (entity expansion, external entities, bad dates, a missing parent, a
10 MB comment, invalid UTF-8), each with what its message must say."""
from pathlib import Path
from xml.sax.saxutils import escape

DATA = Path(__file__).parent / "data" / "importers"
WP_NAMESPACE = "http://wordpress.org/export/1.2/"


def wp_comment(comment_id, body="A thoughtful remark.", *, parent=0, approved="1", kind="",
               date="2014-01-14 17:32:12", author="Ada Reader", email="ada@example.org",
               ip="192.0.2.7", url="") -> str:
    return f"""
      <wp:comment>
        <wp:comment_id>{comment_id}</wp:comment_id>
        <wp:comment_author><![CDATA[{author}]]></wp:comment_author>
        <wp:comment_author_email>{escape(email)}</wp:comment_author_email>
        <wp:comment_author_url>{escape(url)}</wp:comment_author_url>
        <wp:comment_author_IP>{ip}</wp:comment_author_IP>
        <wp:comment_date>{date}</wp:comment_date>
        <wp:comment_date_gmt>{date}</wp:comment_date_gmt>
        <wp:comment_content><![CDATA[{body}]]></wp:comment_content>
        <wp:comment_approved>{approved}</wp:comment_approved>
        <wp:comment_type>{kind}</wp:comment_type>
        <wp:comment_parent>{parent}</wp:comment_parent>
      </wp:comment>"""


def wxr(*posts: tuple[int, str], namespace: str = WP_NAMESPACE, doctype: str = "",
        comment_status: str = "open") -> str:
    """A WXR document; each post is (post id, its comments' XML)."""
    items = "".join(f"""
    <item>
      <title>Post {post_id}</title>
      <link>https://news.example/{post_id}/story/</link>
      <wp:post_id>{post_id}</wp:post_id>
      <wp:comment_status>{comment_status}</wp:comment_status>
      <wp:post_type>post</wp:post_type>{comments}
    </item>""" for post_id, comments in posts)
    return f"""<?xml version="1.0" encoding="UTF-8"?>{doctype}
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"
     xmlns:wp="{namespace}">
  <channel>
    <title>News</title>{items}
  </channel>
</rss>
"""


BILLION_LAUGHS = wxr((1, wp_comment(1, "&lol9;")), doctype="""
<!DOCTYPE rss [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>""").replace("<![CDATA[&lol9;]]>", "&lol9;")

EXTERNAL_ENTITY = wxr((1, wp_comment(1, "&xxe;")), doctype="""
<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>""").replace(
    "<![CDATA[&xxe;]]>", "&xxe;")

# A good comment, then one whose only date is not a date, then one with no date at all.
BAD_DATES = wxr((1, wp_comment(1) + wp_comment(2, date="2014-13-45 25:61:00")
                 + wp_comment(3, date="")))

# Comment 2 answers comment 99, which the export does not have.
MISSING_PARENT = wxr((1, wp_comment(1) + wp_comment(2, "An answer to nobody.", parent=99)))

TEN_MB = 10 * 1024 * 1024
HUGE_COMMENT = wxr((1, wp_comment(1) + wp_comment(2, "x" * TEN_MB) + wp_comment(3)))


def invalid_utf8() -> bytes:
    """Two good comments, then one whose body has a byte that is not UTF-8."""
    good = wxr((1, wp_comment(1) + wp_comment(2) + wp_comment(3, "caf\udcff"))).encode(
        "utf-8", "surrogateescape")
    assert b"caf\xff" in good
    return good


def write(tmp_path: Path, name: str, content: str | bytes) -> str:
    path = tmp_path / name
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path.write_bytes(content)
    return str(path)
