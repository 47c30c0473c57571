"""Print the parallelism table of the corpus (markdown) from ``taskpar check``.

    python tests/check/table.py [SCRIPT...]      # default: tests/real corpus

One row per script: statements, missed interactions, and the speed-up the
static and the traced graph allow (critical path in statements and in
measured seconds). Paste into tests/real/README.md when the analysis changes.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from taskpar.check import check_script

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "real"))


def main(argv: list[str]) -> int:
    from test_corpus import corpus_scripts
    paths = [Path(a).resolve() for a in argv] or corpus_scripts()
    print("| script | statements | missed | static: critical path | static speed-up | "
          "traced: critical path | traced speed-up | serial s |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for p in paths:
        os.chdir(p.parent)
        r = check_script(p, timeout=300)
        s, t = r.static, r.dynamic
        print(f"| {p.name} | {r.executed} | {len(r.missed)} | "
              f"{s.critical_statements} ({s.critical_seconds:.2f} s) | "
              f"{s.speedup_statements:.1f}x / {s.speedup_seconds:.1f}x | "
              f"{t.critical_statements} ({t.critical_seconds:.2f} s) | "
              f"{t.speedup_statements:.1f}x / {t.speedup_seconds:.1f}x | {s.serial_seconds:.2f} |",
              flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
