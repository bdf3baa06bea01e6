"""How fast `flask --app moderation import wordpress` is, and how much memory it takes,
on a generated WordPress export (100,000 comments by default; target: peak RSS <= 200 MB).

    python bench/import_bench.py [--comments 100000] [--sqlite] [--keep FILE]

The WXR file is written at run time into a temporary folder (never committed): posts
of 20 comments, a third of them replies (some before their parent in the file), with
approved, pending, spam and trash comments, pingbacks and trackbacks among them. The
import runs as the real command in its own process, against a database of its own
(PostgreSQL on 127.0.0.1:5432 by default, created and dropped; --sqlite for the
embedded mode), and is run twice: the first run stores everything, the second finds
everything stored (what resuming an interrupted run costs). Printed: seconds, comments
per second, the import process's CPU per comment (PostgreSQL's own work not included;
steadier than seconds on a shared machine), and its peak resident memory (wait4's
ru_maxrss)."""
import argparse
import os
import random
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parent.parent
PER_POST = 20
WORDS = ["tram", "line", "council", "budget", "school", "road", "mayor", "plan", "bridge", "station", "parking", "housing", "river", "library", "market", "police", "weather", "flood", "museum", "festival", "tax", "park", "bus", "harbour", "I", "think", "the", "article", "misses", "that", "we", "were", "told", "last", "year", "about", "this", "too"]


def write_wxr(path: Path, comments: int, seed: int = 7) -> int:
    """Write a WXR file of `comments` comments (streamed, never held whole); returns
    how many of them are pingbacks or trackbacks."""
    rng = random.Random(seed)
    pings = 0
    with open(path, "w", encoding="utf-8") as out:
        out.write('<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0" '
                  'xmlns:wp="http://wordpress.org/export/1.2/">\n<channel>\n')
        for post in range(1, comments // PER_POST + 2):
            first = (post - 1) * PER_POST + 1
            numbers = list(range(first, min(first + PER_POST, comments + 1)))
            if not numbers:
                break
            out.write(f"<item><title>Story {post}</title><link>https://news.example/{post}/"
                      f"story/</link><wp:post_id>{post}</wp:post_id>"
                      "<wp:comment_status>open</wp:comment_status>\n")
            if len(numbers) > 3:  # a reply that comes before its parent
                numbers[1], numbers[2] = numbers[2], numbers[1]
            for number in numbers:
                parent = number - 1 if number % 3 == 0 and number > first else 0
                kind = "pingback" if number % 97 == 0 else "trackback" if number % 193 == 0 else ""
                pings += bool(kind)
                approved = rng.choices(("1", "0", "spam", "trash"), (85, 5, 7, 3))[0]
                body = " ".join(rng.choices(WORDS, k=rng.randint(8, 60))).capitalize() + "."
                out.write(
                    f"<wp:comment><wp:comment_id>{number}</wp:comment_id>"
                    f"<wp:comment_author><![CDATA[Reader {number % 5000}]]></wp:comment_author>"
                    f"<wp:comment_author_email>reader{number % 5000}@example.org"
                    f"</wp:comment_author_email><wp:comment_author_url></wp:comment_author_url>"
                    f"<wp:comment_author_IP>198.51.{number % 250}.{number % 200}"
                    f"</wp:comment_author_IP><wp:comment_date_gmt>20{10 + number % 15:02d}-"
                    f"{1 + number % 12:02d}-{1 + number % 28:02d} 12:{number % 60:02d}:00"
                    f"</wp:comment_date_gmt><wp:comment_content>{escape(body)}"
                    f"</wp:comment_content><wp:comment_approved>{approved}"
                    f"</wp:comment_approved><wp:comment_type>{kind}</wp:comment_type>"
                    f"<wp:comment_parent>{parent}</wp:comment_parent></wp:comment>\n")
            out.write("</item>\n")
        out.write("</channel>\n</rss>\n")
    return pings


def timed(command: list[str], env: dict) -> tuple[float, float, float, str]:
    """(seconds, CPU seconds, peak RSS in MB, output) of a command run to its end."""
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    output = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - started
    if process.returncode != 0:
        sys.exit(f"{' '.join(command)} failed:\n{output[-3000:]}")
    return seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, output


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--comments", type=int, default=100_000)
    parser.add_argument("--sqlite", action="store_true", help="the embedded mode's SQLite")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--keep", type=Path, help="also keep the generated WXR here")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="import-bench-"))
    wxr = args.keep or folder / "export.xml"
    started = time.perf_counter()
    pings = write_wxr(wxr, args.comments)
    print(f"wrote {wxr}: {args.comments:,} comments ({pings} pings), "
          f"{wxr.stat().st_size / 1e6:.0f} MB in {time.perf_counter() - started:.1f} s")
    env = {**os.environ, "FLASK_APP": "moderation", "SECRET_KEY": "bench"}
    env.pop("CELERY_BROKER_URL", None)
    drop = None
    if args.sqlite:  # SQLite, in the temporary folder rather than instance/
        env["DATABASE_URL"] = database = f"sqlite:///{folder / 'bench.sqlite3'}"
    else:
        import psycopg
        name = f"import_bench_{os.getpid()}_{secrets.token_hex(3)}"
        admin = psycopg.connect(host=args.host, user="postgres", dbname="postgres",
                                autocommit=True)
        admin.execute(f'CREATE DATABASE "{name}"')
        drop = lambda: admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        env["DATABASE_URL"] = database = f"postgresql+psycopg://postgres@{args.host}:5432/{name}"
    flask = [sys.executable, "-m", "flask"]
    print(f"database: {database}; load average before: {os.getloadavg()[0]:.1f}")
    print(f"{'run':34} {'seconds':>8} {'comments/s':>11} {'CPU ms/comment':>15} "
          f"{'peak RSS':>9}  summary", flush=True)
    try:
        timed(flask + ["init-db"], env)
        for label in ("first run (stores everything)", "second run (all stored already)"):
            seconds, cpu, rss, output = timed(flask + ["import", "wordpress", str(wxr)], env)
            stored = next((line for line in output.splitlines() if "items stored" in line), "")
            print(f"{label:34} {seconds:8.1f} {args.comments / seconds:11.0f} "
                  f"{cpu * 1000 / args.comments:15.2f} {rss:6.0f} MB  {stored.strip()}", flush=True)
    finally:
        if drop is not None:
            drop()
    print(f"target: peak RSS <= 200 MB; load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
