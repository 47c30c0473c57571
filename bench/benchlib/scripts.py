"""Generated benchmark scripts: pure functions from parameters to source text.

Each generator returns plain Python source (and, for the sleep DAGs, the DAG
with its known costs, so the lower bound is computed here, independently of
taskpar's own analysis and scheduler). Random DAGs use a fixed seed.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

__all__ = ["empty", "trivial_chain", "trivial_independent", "ping_pong", "payload",
           "SleepDag", "three_chains", "fan_in", "random_layered", "skewed", "sleep_dag_script"]


def empty() -> str:
    return ""


def trivial_chain(n: int) -> str:
    """n statements: x0 = 0, x1 = x0 + 1, ..., print(x_last). Each reads the previous."""
    lines = ["x0 = 0"] + [f"x{i} = x{i - 1} + 1" for i in range(1, n - 1)]
    lines.append(f"print(x{n - 2})")
    return "\n".join(lines) + "\n"


def trivial_independent(n: int) -> str:
    """n statements: n-1 independent constants, then print("ok") (reads none of them)."""
    lines = [f"x{i} = {i}" for i in range(n - 1)]
    lines.append('print("ok")')
    return "\n".join(lines) + "\n"


def ping_pong(steps: int, alternate: bool) -> tuple[str, int]:
    """``x = x + 1`` ``steps`` times, pinned alternately to workers 1 and 2
    (or all to worker 1). Returns (source, number of worker changes)."""
    lines = ["x = 0  # taskpar: worker 1"]
    where = [1]
    for i in range(steps):
        w = (2 if i % 2 == 0 else 1) if alternate else 1
        lines.append(f"x = x + 1  # taskpar: worker {w}")
        where.append(w)
    lines.append("print(x)  # taskpar: worker 1")
    where.append(1)
    changes = sum(1 for a, b in zip(where, where[1:]) if a != b)
    return "\n".join(lines) + "\n", changes


def payload(nbytes: int, alternate: bool) -> str:
    """A numpy array of ``nbytes`` made on worker 1 and used on worker 2 (or 1).

    The consumer's worker imports numpy beforehand (a separate name, so no
    dependency), so unpickling the array does not pay numpy's import.
    """
    w = 2 if alternate else 1
    return (
        "import numpy as np  # taskpar: worker 1\n"
        f"import numpy as np_consumer  # taskpar: worker {w}\n"
        f"a = np.ones({nbytes}, dtype=np.uint8)  # taskpar: worker 1\n"
        f"n = a.nbytes  # taskpar: worker {w}\n"
        f"print(n)  # taskpar: worker {w}\n"
    )


# ---------------------------------------------------------------------------
# Sleep DAGs with known costs
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SleepDag:
    """Statement i sleeps ``cost[i]`` seconds and reads ``deps[i]``."""

    name: str
    cost: tuple[float, ...]
    deps: tuple[tuple[int, ...], ...]
    workers: int

    @property
    def work(self) -> float:
        return sum(self.cost)

    @property
    def critical_path(self) -> float:
        finish: list[float] = []
        for i, c in enumerate(self.cost):
            finish.append(c + max((finish[d] for d in self.deps[i]), default=0.0))
        return max(finish, default=0.0)

    def lower_bound(self, workers: int | None = None) -> float:
        n = workers or self.workers
        return max(self.critical_path, self.work / n)

    def scaled(self, factor: float) -> "SleepDag":
        return SleepDag(self.name, tuple(round(c * factor, 4) for c in self.cost), self.deps,
                        self.workers)


def sleep_dag_script(dag: SleepDag) -> str:
    lines = [
        f"# {dag.name}: {len(dag.cost)} statements with known sleep costs (generated)",
        "import time",
        "",
        "",
        "def work(seconds, *inputs):",
        "    time.sleep(seconds)",
        "    return sum(inputs) + 1",
        "",
        "",
    ]
    for i, (c, deps) in enumerate(zip(dag.cost, dag.deps)):
        args = "".join(f", v{d}" for d in deps)
        lines.append(f"v{i} = work({c!r}{args})")
    used = {d for deps in dag.deps for d in deps}
    sinks = [i for i in range(len(dag.cost)) if i not in used]
    lines.append("print(" + ", ".join(f"v{i}" for i in sinks) + ")")
    return "\n".join(lines) + "\n"


def three_chains(step: float = 0.25, length: int = 4, workers: int = 3) -> SleepDag:
    """examples/three_chains.py as a DAG: a, b, c advance in turn."""
    cost, deps, last = [], [], [None, None, None]
    for _ in range(length):
        for ch in range(3):
            deps.append(() if last[ch] is None else (last[ch],))
            cost.append(step)
            last[ch] = len(cost) - 1
    return SleepDag("three_chains", tuple(cost), tuple(deps), workers)


def fan_in(width: int = 6, step: float = 0.2, workers: int = 3, combine: float = 0.02) -> SleepDag:
    """``width`` independent statements, then a cheap one that reads them all.

    The combining statement is cheap on purpose: with it as long as the
    others, the bound max(critical path, work / N) is not attainable
    (6 × 0.2 s on 3 workers, then 0.2 s: best 0.6 s against a bound of
    0.467 s), and the figure would measure the bound, not taskpar."""
    cost = [step] * width + [combine]
    deps = [()] * width + [tuple(range(width))]
    return SleepDag("fan_in", tuple(cost), tuple(deps), workers)


def skewed(long: float = 1.2, short: tuple[float, ...] = (0.1, 0.3, 0.1, 0.2, 0.1, 0.2, 0.2),
           workers: int = 2, combine: float = 0.02) -> SleepDag:
    """One long statement, then short ones, all independent, then a cheap one
    that reads them all: the DAG where *estimated* costs mislead a static plan.

    With every cost estimated equal, HEFT alternates the workers (ties: lower
    statement id, lower worker; checked with ``taskpar plan --schedule static``
    on an empty cost cache), so worker 1 gets v0 (1.2 s) and then v2, v4, v6
    (0.3 + 0.2 + 0.2 s): 1.9 s, while worker 2's share (v1, v3, v5, v7) takes
    0.5 s. The short ones sum to the long one, so the bound max(critical
    path, work / N) = long + combine is attainable: the long statement alone
    on one worker, every short one on the other. As in ``fan_in`` the
    combining statement is cheap, so the figure measures the placement, not
    the bound."""
    cost = [long, *short, combine]
    n = len(short) + 1
    deps = [()] * n + [tuple(range(n))]
    return SleepDag("skewed", tuple(cost), tuple(deps), workers)


def random_layered(n: int = 50, seed: int = 6, workers: int = 3, lo: float = 0.02,
                   hi: float = 0.2) -> SleepDag:
    """A random layered DAG of ``n`` statements: layers of 3-8 statements, each
    reading 1-3 statements of the previous layers (mostly the last one),
    costs uniform in [lo, hi] (rounded to ms). Fixed seed."""
    rng = random.Random(seed)
    layers: list[list[int]] = []
    cost: list[float] = []
    deps: list[tuple[int, ...]] = []
    while len(cost) < n:
        size = min(rng.randint(3, 8), n - len(cost))
        layer = []
        for _ in range(size):
            i = len(cost)
            if layers:
                pool = layers[-1] + (layers[-2] if len(layers) > 1 else [])
                k = rng.randint(1, min(3, len(pool)))
                chosen = set(rng.sample(layers[-1], 1)) | set(rng.sample(pool, k - 1))
                deps.append(tuple(sorted(chosen)))
            else:
                deps.append(())
            cost.append(round(rng.uniform(lo, hi), 3))
            layer.append(i)
        layers.append(layer)
    return SleepDag(f"random_layered_{n}", tuple(cost), tuple(deps), workers)
