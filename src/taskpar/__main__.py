"""``python -m taskpar``: the command line (``cli.main``).

``-m`` puts the working directory first on ``sys.path``; a user's file
there named like a module taskpar imports (``glob.py``, ``json.py``) would
be imported into taskpar itself. The entry drops it first, as the
installed ``taskpar`` command never has it (the workers start with ``-P``).
"""

import os
import sys

if sys.path and not getattr(sys.flags, "safe_path", False):
    try:
        if sys.path[0] in ("", os.getcwd()):
            del sys.path[0]
    except OSError:  # the working directory is gone: nothing there to shadow anything
        pass

from .cli import main  # noqa: E402
from .cli import exit_now  # noqa: E402

raise SystemExit(exit_now(main()))
