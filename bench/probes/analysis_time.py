"""Probe: the analysis of one script, alone (no workers, no graph).

    python analysis_time.py SCRIPT

Prints on stderr the JSON ``{"wall": s, "statements": n, "stopped": n}``:
``wall`` is ``analyze_source`` only (reading and parsing included, python's
start and taskpar's imports not), ``stopped`` how many statements the
analysis did not analyse (its budget for the script spent; 0 normally).
"""

import json
import sys
import time

from taskpar.analysis import analyze_source
from taskpar.analysis.interp import STOPPED

path = sys.argv[1]
analyze_source("x = 1\n")  # (the analysis imports its modules on first use: not counted)
t0 = time.perf_counter()
with open(path) as f:
    script = analyze_source(f.read(), path)
wall = time.perf_counter() - t0
stopped = sum(STOPPED in s.resources for s in script.statements)
print(json.dumps({"wall": wall, "statements": len(script.statements),
                  "stopped": max(stopped - 1, 0)}), file=sys.stderr)
