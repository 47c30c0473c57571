import numpy as np
from statsmodels.tsa.arima_process import ArmaProcess
np.random.seed(12345)
proc = ArmaProcess(np.array([1, -0.75, 0.25]), np.array([1, 0.65, 0.35]))
first = proc.generate_sample(250)
second = proc.generate_sample(250)
print(np.round(first[:5], 8).tolist())
print(np.round(second[:5], 8).tolist())
print(round(float(second.sum()), 6))
