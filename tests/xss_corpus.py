"""The public XSS payload lists in tests/data/xss (see its SOURCE.md), as one list."""
import json
from functools import cache
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data" / "xss"


@cache
def payloads() -> tuple[str, ...]:
    found: dict[str, None] = {}
    for path in sorted(DATA.glob("*.txt")):
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            if line.strip():
                found[line] = None
    for path in sorted(DATA.glob("*.json")):
        for entry in json.loads(path.read_text()):
            text = entry if isinstance(entry, str) else entry.get("input", "")
            if text.strip():
                found[text] = None
    return tuple(found)
