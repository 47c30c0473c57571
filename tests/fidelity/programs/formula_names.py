import numpy as np
import pandas as pd
import statsmodels.formula.api as smf
import time
def double_it(x):
    return 2 * x
df = pd.DataFrame({"SUCCESS": np.arange(10) % 2, "TOTAL": np.arange(10.0) + 1})
limit = 4
time.sleep(0.2)
q = df.query("TOTAL > @limit")
print(len(q))
m = smf.ols("SUCCESS ~ double_it(TOTAL)", data=df).fit()
print(m.params.round(6).to_dict())
