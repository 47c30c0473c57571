"""--blas-threads: by default a worker's BLAS pools are the size python gives
them (identical last digits); auto and N limit them."""

from __future__ import annotations

import os

import pytest

from taskpar.errors import UsageError
from taskpar.run import check_blas_threads
from taskpar.runtime.environ import THREAD_ENV_VARS, blas_threads, cores

from support import python, taskpar

SCRIPT = """\
import threadpoolctl
import numpy as np
info = (np.__name__, sorted((d["internal_api"], d["num_threads"]) for d in threadpoolctl.threadpool_info()))
print(info)
"""


@pytest.fixture
def env():
    return {k: v for k, v in os.environ.items() if k not in THREAD_ENV_VARS}


@pytest.mark.timeout(240)
def test_default_is_pythons_pool_size_and_the_option_changes_it(tmp_path, env):
    pytest.importorskip("threadpoolctl")
    pytest.importorskip("numpy")
    src = tmp_path / "pools.py"
    src.write_text(SCRIPT)
    plain = python(src, env=env)
    assert plain.returncode == 0, plain.stderr
    pools = eval(plain.stdout)[1]  # [(api, threads)] as python has them
    assert pools, "numpy loaded no BLAS that threadpoolctl sees"

    def sizes(*options):
        r = taskpar("run", src, "-w", "2", "--no-cache", *options, env=env)
        assert r.returncode == 0, r.stderr
        return r.stdout, eval(r.stdout)[1]

    out, got = sizes()
    assert out == plain.stdout  # the default: python's pool sizes
    assert sizes("--blas-threads", "1")[1] == [(api, 1) for api, _ in pools]
    n = max(1, cores() // 2)
    assert sizes("--blas-threads", "auto")[1] == [(api, n) for api, _ in pools]


def test_resolving_the_setting(monkeypatch):
    for v in THREAD_ENV_VARS:
        monkeypatch.delenv(v, raising=False)
    assert blas_threads(None, 2) is None and blas_threads("python", 2) is None
    assert blas_threads("auto", 2) == max(1, cores() // 2)
    assert blas_threads("auto", 10 * cores()) == 1
    assert blas_threads(3, 2) == 3
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    assert blas_threads("auto", 2) is None  # the user chose: respected
    assert blas_threads(3, 2) == 3  # an explicit number wins


@pytest.mark.parametrize("bad", ["0", "-1", "many", "2.5"])
def test_bad_values_are_usage_errors(bad):
    with pytest.raises(UsageError, match="--blas-threads"):
        check_blas_threads(bad)
    assert check_blas_threads("4") == 4 and check_blas_threads("auto") == "auto"
