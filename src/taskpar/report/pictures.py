"""Pictures of the task graph: DOT text rendered to SVG or PNG by Graphviz.

Uses the ``graphviz`` Python package (``plot`` extra) and Graphviz's ``dot``
program. Either missing gives a ``BackendUnavailable`` error that says what
to install, never a traceback.
"""

from __future__ import annotations

from ..errors import BackendUnavailable

__all__ = ["render_dot"]

_INSTALL = ("install Graphviz's 'dot' program (e.g. 'apt-get install graphviz' or "
            "'brew install graphviz') and the Python package: pip install 'taskpar[plot]'")


def render_dot(dot: str, fmt: str) -> bytes:
    """Render DOT text to ``fmt`` ("svg" or "png") bytes."""
    try:
        import graphviz
    except ImportError:
        raise BackendUnavailable(f"drawing the graph as {fmt} needs Graphviz: {_INSTALL}") from None
    try:
        return graphviz.Source(dot).pipe(format=fmt)
    except graphviz.ExecutableNotFound:
        raise BackendUnavailable(f"drawing the graph as {fmt} needs Graphviz: {_INSTALL}") from None
