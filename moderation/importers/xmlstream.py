"""Reading a large XML export as a stream of flat records, in bounded memory.

defusedxml's parser refuses entity declarations (so no "billion laughs" expansion and
no external entity reads a local file or a URL); a DTD without entities is harmless and
read. The file is fed in chunks, and only the fields a reader asks for are kept, each
up to `limit` characters (a longer one becomes TooLong, with its length): a 10 MB
comment costs its length in a counter, not 10 MB of memory.

A record is an element at one of the reader's paths, e.g. "rss/channel/item/wp:comment",
given as a dict of its wanted fields by path below it ("author/name", "thread@dsq:id"
for an attribute). Names carry a short prefix for the namespaces we know, whatever the
version in the namespace's URL (WordPress has used export/1.0 to 1.2, http and https)."""
import re
from collections.abc import Callable, Iterator
from functools import cache
from typing import BinaryIO

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser, ParseError

from moderation.importers.records import ImportFileError, TooLong

CHUNK = 1 << 16
NAMESPACES = ((re.compile(r"https?://wordpress\.org/export/[0-9.]+/?"), "wp:"),
              (re.compile(r"https?://disqus\.com/disqus-internals/?"), "dsq:"),
              (re.compile(r"https?://disqus\.com/?"), ""),
              (re.compile(r"http://purl\.org/rss/1\.0/modules/content/?"), "content:"),
              (re.compile(r"http://purl\.org/dc/elements/1\.1/?"), "dc:"))


@cache
def short_name(tag: str) -> str:
    """"{http://wordpress.org/export/1.2/}comment" -> "wp:comment"."""
    if not tag.startswith("{"):
        return tag
    namespace, _, local = tag[1:].partition("}")
    for pattern, prefix in NAMESPACES:
        if pattern.fullmatch(namespace):
            return prefix + local
    return tag


class Record(dict):
    """One record's wanted fields; `line` is where it starts in the file."""
    __slots__ = ("line", "parent", "path")


class _Target:
    """Builds flat records from the parser's start/data/end calls."""

    def __init__(self, shapes: dict[str, frozenset[str]], limit: int):
        self.shapes, self.limit = shapes, limit
        self.names: list[str] = []
        self.paths: list[str] = []
        self.open: list[tuple[int, Record]] = []  # (depth, record), innermost last
        self.done: list[Record] = []
        self.field: str | None = None  # the wanted field whose text is being read
        self.chunks: list[str] = []
        self.length = 0
        self.line = lambda: 0
        self.root = ""

    def start(self, tag, attrib):
        name = short_name(tag)
        path = f"{self.paths[-1]}/{name}" if self.paths else name
        if not self.paths:
            self.root = name
        self.names.append(name)
        self.paths.append(path)
        self.field = None
        if path in self.shapes:
            record = Record()
            record.path, record.line = path, self.line()
            record.parent = self.open[-1][1] if self.open else None
            self.open.append((len(self.paths), record))
        if not self.open:
            return
        depth, record = self.open[-1]
        wanted = self.shapes[record.path]
        relative = "/".join(self.names[depth:])
        for key, value in attrib.items():
            field = f"{relative}@{short_name(key)}" if relative else f"@{short_name(key)}"
            if field in wanted:
                record[field] = value[:self.limit]
        if relative in wanted:
            self.field, self.chunks, self.length = relative, [], 0

    def data(self, text):
        if self.field is None:
            return
        if self.length < self.limit:
            self.chunks.append(text[:self.limit - self.length])
        self.length += len(text)

    def end(self, tag):
        if self.field is not None:
            record = self.open[-1][1]
            record[self.field] = TooLong(self.length) if self.length > self.limit \
                else "".join(self.chunks)
            self.field, self.chunks = None, []
        if self.open and self.open[-1][0] == len(self.paths):
            self.done.append(self.open.pop()[1])
        self.names.pop()
        self.paths.pop()

    def close(self):
        return None


def read(path: str, root: str, shapes: dict[str, frozenset[str]], limit: int,
         progress: Callable[[int], None] | None = None) -> Iterator[Record]:
    """records() of the file at `path`."""
    with open(path, "rb") as file:
        yield from records(file, root, shapes, limit, progress)


def records(file: BinaryIO, root: str, shapes: dict[str, frozenset[str]], limit: int,
            progress: Callable[[int], None] | None = None) -> Iterator[Record]:
    """The records of `shapes` in document order (a nested record after the part of its
    parent read so far, which `record.parent` holds). Raises ImportFileError naming the
    line for a file that is not well-formed, not UTF-8 or declares entities, or whose
    root element is not `root`."""
    target = _Target(shapes, limit)
    parser = DefusedXMLParser(target=target, forbid_dtd=False, forbid_entities=True,
                              forbid_external=True)
    expat = getattr(parser, "parser", None)
    if expat is not None:
        target.line = lambda: expat.CurrentLineNumber
    while True:
        chunk = file.read(CHUNK)
        try:
            if chunk:
                parser.feed(chunk)
            else:
                parser.close()
        except ParseError as exc:
            raise ImportFileError(_not_well_formed(exc)) from None
        except DefusedXmlException as exc:
            name = getattr(exc, "name", "?")
            system = getattr(exc, "sysid", None)
            where = f" (SYSTEM {system!r})" if system else ""
            raise ImportFileError(
                f"line {target.line()}: the file declares the XML entity {name!r}{where}; "
                "exports never do, and an entity can expand without bound (billion laughs) "
                "or read another file, so the file is refused") from None
        if target.root and target.root != root:
            raise ImportFileError(f"the root element is <{target.root}>, not <{root}>: "
                                  "this is not the export this command reads")
        if target.done:
            yield from target.done
            target.done.clear()
        if progress is not None and chunk:
            progress(len(chunk))
        if not chunk:
            return


def _not_well_formed(exc: ParseError) -> str:
    line, column = getattr(exc, "position", (0, 0))
    message = str(exc).split(":")[0]
    hint = " (bytes that are not UTF-8, or a character XML does not allow)" \
        if "invalid token" in message else ""
    return f"line {line}, column {column}: the file is not well-formed XML: {message}{hint}"
