# Origin: matplotlib 3.11.2 sdist, galleries/examples/lines_bars_and_markers/capstyle.py (unmodified below this line; licence: tests/thirdparty/LICENSES/matplotlib.txt)
"""
=========
CapStyle
=========

The `matplotlib._enums.CapStyle` controls how Matplotlib draws the two
endpoints (caps) of an unclosed line. For more details, see the
`~matplotlib._enums.CapStyle` docs.
"""

import matplotlib.pyplot as plt

from matplotlib._enums import CapStyle

CapStyle.demo()
plt.show()

# %%
# .. tags::
#
#    purpose: reference
