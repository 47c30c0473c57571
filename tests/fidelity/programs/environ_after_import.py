import os
import time
from sklearn import datasets
time.sleep(0.1)
import numpy as np
time.sleep(0.1)
print(os.environ.get("KMP_DUPLICATE_LIB_OK"), os.environ.get("KMP_INIT_AT_FORK"))
print(np.arange(3).sum())
