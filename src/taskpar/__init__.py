"""taskpar: run an ordinary Python script in parallel, output identical to python.

The pipeline (each stage a function over plain data)::

    analyze_script -> build_graph -> schedule -> build_plan -> backend -> replay

See docs/architecture.md in the repository and ``taskpar --help``.
"""

# Everything is imported on first use: a worker process imports
# ``taskpar.runtime`` only, and must not pay for the analysis at start-up.
_LAZY = {
    "Script": ".analysis", "Statement": ".analysis", "analyze_script": ".analysis",
    "analyze_source": ".analysis", "TaskparError": ".errors", "TaskGraph": ".graph",
    "build_graph": ".graph", "run_script": ".run",
}

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
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'taskpar' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module, __name__), name)
