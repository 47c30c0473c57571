# Origin: matplotlib 3.11.2 sdist, galleries/examples/lines_bars_and_markers/joinstyle.py (unmodified below this line; licence: tests/thirdparty/LICENSES/matplotlib.txt)
"""
=========
JoinStyle
=========

The `matplotlib._enums.JoinStyle` controls how Matplotlib draws the corners
where two different line segments meet. For more details, see the
`~matplotlib._enums.JoinStyle` docs.
"""

import matplotlib.pyplot as plt

from matplotlib._enums import JoinStyle

JoinStyle.demo()
plt.show()

# %%
# .. tags:: purpose: reference, styling: linestyle
