# Origin: matplotlib 3.11.2 sdist, galleries/examples/misc/print_stdout_sgskip.py (unmodified below this line; licence: tests/thirdparty/LICENSES/matplotlib.txt)
"""
=====================
Print image to stdout
=====================

print png to standard out

usage: python print_stdout.py > somefile.png

"""

import sys

import matplotlib

matplotlib.use('Agg')
import matplotlib.pyplot as plt

plt.plot([1, 2, 3])
plt.savefig(sys.stdout.buffer)
