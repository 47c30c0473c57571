"""The transport (taskpar.runtime.transport), end to end: one large value
sent to several workers, each receiver gets its own copy.

(A regression: shared-memory files were named per sender only, so the
second destination's file collided with the first's.)
"""

from __future__ import annotations

import textwrap

import pytest

import taskpar


@pytest.mark.timeout(120)
def test_large_value_to_three_receivers(tmp_path):
    src = tmp_path / "fanout.py"
    src.write_text(textwrap.dedent("""\
        import numpy as np
        big = np.ones(2**22)              # taskpar: worker 1
        a = float(big.sum())              # taskpar: worker 2
        b = float(big.mean())             # taskpar: worker 3
        c = float(big.max())              # taskpar: worker 4
        print(a, b, c)
        """))
    result = taskpar.run_script(src, workers=4, use_cache=False)
    assert (result.exit_status, result.stdout, result.stderr) == (0, "4194304.0 1.0 1.0\n", "")
    receivers = {t.to for t in result.transfers if t.var == "big"}
    assert receivers == {1, 2, 3}
