"""compile_statements: each statement's code as python compiles it in the module."""

from __future__ import annotations

import ast
import types

from taskpar.analysis import analyze_source
from taskpar.runtime.compiling import compile_statements

SOURCE = '''\
"""The docstring."""
from __future__ import annotations
import functools

"a lone string, not the docstring"

@functools.lru_cache(None)
def f(x: int) -> int:
    return x * 2

class A:  # a comment
    @property
    def p(self):
        return [i for i in range(3)]

x = [1,
     2]; y = 3
z = (lambda v:
     v + f(1))(x[0])
for i in range(2):
    y += i
print(f(2), A().p, x, y, z)
'''


def shape(code):
    """What python keeps of a code object: bytecode, names, lines, columns."""
    return (code.co_code, code.co_names, code.co_firstlineno, list(code.co_positions()),
            [shape(c) if isinstance(c, types.CodeType) else c for c in code.co_consts])


def test_every_statement_compiles_as_in_the_module():
    script = analyze_source(SOURCE, "/tmp/s.py")
    codes = compile_statements(script, range(len(script.statements)))
    tree = ast.parse(SOURCE)
    flags = __import__("__future__").annotations.compiler_flag
    for stmt in script.statements:
        node = tree.body[stmt.path[0]]
        body = [node]
        if stmt.path != (0,) and isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            body = [ast.copy_location(ast.Pass(), node), node]
        want = compile(ast.Module(body=body, type_ignores=[]), "/tmp/s.py", "exec", flags=flags,
                       dont_inherit=True)
        assert shape(codes[stmt.id]) == shape(want), stmt.source


def test_the_lone_string_stays_a_statement_and_decorators_stay_on():
    script = analyze_source(SOURCE, "/tmp/s.py")
    codes = compile_statements(script, range(len(script.statements)))
    ns: dict = {"__name__": "__main__"}
    for stmt in script.statements[:-1]:
        exec(codes[stmt.id], ns)
    assert "__doc__" not in ns or ns["__doc__"] != "a lone string, not the docstring"
    assert ns["f"].cache_info().maxsize is None  # lru_cache(None) applied
    assert ns["z"] == 3 and ns["y"] == 4


def test_statements_the_fork_server_compiled_are_used_for_the_same_text_only(monkeypatch):
    from taskpar.runtime import compiling

    monkeypatch.setattr(compiling, "_precompiled", ("", "", {}))
    script = analyze_source(SOURCE, "/tmp/s.py")
    mine = compile_statements(script, range(len(script.statements)))
    for _ in compiling.precompile(ast.parse(SOURCE), "/tmp/s.py", SOURCE):
        pass
    served = compile_statements(script, range(len(script.statements)))
    codes = compiling._precompiled[2]
    for stmt in script.statements:
        assert shape(served[stmt.id]) == shape(mine[stmt.id]), stmt.source
        if len(stmt.path) == 1 and stmt.loop is None:
            assert served[stmt.id] is codes[stmt.path[0]][2]  # not compiled again
    # another text at the same path (or another file): compiled from its own
    edited = SOURCE.replace("y = 3", "y = 30")
    other = compile_statements(analyze_source(edited, "/tmp/s.py"), range(len(script.statements)))
    assert all(other[k] is not codes.get(k, (0, 0, None))[2] for k in other)
    assert compile_statements(analyze_source(SOURCE, "/tmp/t.py"), [0])[0] is not codes[0][2]


def test_a_worker_forked_mid_compile_finishes_the_steps_until_its_init_comes(monkeypatch):
    # The fork server compiles 64 statements per step between requests; a
    # worker it forks before the last step takes the rest while it waits for
    # the manager's Init, and stops as soon as the Init is there.
    import socket

    from taskpar.runtime import compiling
    from taskpar.runtime.worker import _compile_until_readable

    source = "".join(f"x{i} = {i}\n" for i in range(300))
    monkeypatch.setattr(compiling, "_precompiled", ("", "", {}))
    steps = compiling.precompile(ast.parse(source), "/tmp/s.py", source)
    next(steps)  # the server took one step before the fork
    codes = compiling._precompiled[2]
    assert len(codes) == 64
    manager, worker = socket.socketpair()
    with manager, worker:
        manager.sendall(b"init")  # already there: no step taken
        _compile_until_readable(worker, steps)
        assert len(codes) == 64
        worker.recv(4)
        _compile_until_readable(worker, steps)  # nothing comes: every step
    assert len(codes) == 300
    script = analyze_source(source, "/tmp/s.py")
    served = compile_statements(script, range(300))
    assert all(served[i] is codes[i][2] for i in range(300))
