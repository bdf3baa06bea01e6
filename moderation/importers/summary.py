"""What an import run reports at the end: threads, items per status, what an earlier
run had stored, what was skipped and why, each problem naming its record."""
from collections import Counter
from dataclasses import dataclass, field

SHOWN_PROBLEMS = 50


@dataclass
class Summary:
    source: str
    site: str
    threads: int = 0  # created
    stored: Counter = field(default_factory=Counter)  # status -> items
    existing: int = 0  # in import_record already: stored by an earlier run
    skipped: Counter = field(default_factory=Counter)  # pingback, trackback, problem
    top_level: int = 0  # replies stored at the top level, their parent missing
    learned: int = 0
    batches: int = 0
    problems: list[str] = field(default_factory=list)  # the first SHOWN_PROBLEMS
    problem_count: int = 0

    def problem(self, label: str, message: str) -> None:
        self.problem_count += 1
        if len(self.problems) < SHOWN_PROBLEMS:
            self.problems.append(f"{label}: {message}")

    def lines(self) -> list[str]:
        stored = sum(self.stored.values())
        by_status = ", ".join(f"{status} {n}" for status, n in sorted(self.stored.items()))
        skipped = ", ".join(f"{n} {reason}" for reason, n in sorted(self.skipped.items()))
        lines = [f"imported from {self.source} into site {self.site!r}",
                 f"  threads created: {self.threads}",
                 f"  items stored: {stored}" + (f" ({by_status})" if by_status else ""),
                 f"  already stored by an earlier run: {self.existing}",
                 f"  skipped: {skipped or 'none'}",
                 f"  replies stored at the top level (parent missing): {self.top_level}",
                 (f"  batches committed: {self.batches} (a run that stops keeps whole "
                  "batches; running it again resumes)")]
        if self.learned:
            lines.append(f"  training examples for the spam model: {self.learned}")
        if self.problems:
            lines.append("problems (each record named):")
            lines += [f"  {line}" for line in self.problems]
            if self.problem_count > len(self.problems):
                lines.append(f"  ... and {self.problem_count - len(self.problems)} more")
        return lines
