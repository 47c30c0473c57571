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


def test_records_sent_together_are_received_one_by_one_in_order():
    import socket

    from taskpar.runtime.messages import Finished, StatementStarted
    from taskpar.runtime.transport import ControlChannel

    a, b = socket.socketpair()
    sender, receiver = ControlChannel(a), ControlChannel(b)
    try:
        sender.send(Finished(0))
        sender.send_many([StatementStarted(k, 1, float(k)) for k in range(500)])
        sender.send_many([Finished(2)])
        sender.send(["a list", "is one record"])
        got = [receiver.recv() for _ in range(503)]
        assert got[0] == Finished(0) and got[-2] == Finished(2)
        assert got[1:501] == [StatementStarted(k, 1, float(k)) for k in range(500)]
        assert got[-1] == ["a list", "is one record"]
        a.close()
        with pytest.raises(EOFError):
            receiver.recv()
    finally:
        a.close()
        b.close()
