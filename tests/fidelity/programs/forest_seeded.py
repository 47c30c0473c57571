import numpy as np
from sklearn.ensemble import RandomForestClassifier
from sklearn.datasets import make_classification
X, y = make_classification(n_samples=300, random_state=1)
np.random.seed(0)
a = RandomForestClassifier(n_estimators=25)
b = RandomForestClassifier(n_estimators=25)
a.fit(X, y)
b.fit(X, y)
print(a.predict_proba(X[:3]).round(6).tolist())
print(b.predict_proba(X[:3]).round(6).tolist())
m = float(X.mean())
print(m)
