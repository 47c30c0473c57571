"""taskpar: run an ordinary Python script in parallel, output identical to python.

The pipeline (each stage a function over plain data)::

    analyze_script -> build_graph -> schedule -> build_plan -> backend -> replay

See DESIGN in the repository and ``taskpar --help``.
"""

from .analysis import Script, Statement, analyze_script, analyze_source
from .errors import TaskparError
from .graph import TaskGraph, build_graph

__version__ = "0.1.0"

__all__ = [
    "Script",
    "Statement",
    "TaskGraph",
    "TaskparError",
    "analyze_script",
    "analyze_source",
    "build_graph",
    "run_script",
    "__version__",
]


def __getattr__(name):
    # run_script pulls in the runtime; import it only when asked for.
    if name == "run_script":
        from .run import run_script

        return run_script
    raise AttributeError(name)
