# Train/test split on the digits data, fit a few models in place and look
# at the confusion matrix of the best one.
import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.decomposition import PCA
from sklearn.linear_model import LogisticRegression
from sklearn.svm import SVC
from sklearn.neighbors import KNeighborsClassifier
from sklearn.metrics import accuracy_score, confusion_matrix

digits = load_digits()
X_train, X_test, y_train, y_test = train_test_split(
    digits.data, digits.target, test_size=0.25, random_state=42, stratify=digits.target)
print("train/test:", X_train.shape, X_test.shape)

pca = PCA(n_components=30, random_state=0)
pca.fit(X_train)
Z_train = pca.transform(X_train)
Z_test = pca.transform(X_test)
print("explained variance:", round(float(pca.explained_variance_ratio_.sum()), 4))

svc = SVC(C=5.0, gamma="scale")
knn = KNeighborsClassifier(n_neighbors=3)
logreg = LogisticRegression(max_iter=3000)
svc.fit(Z_train, y_train)
knn.fit(Z_train, y_train)
logreg.fit(Z_train, y_train)

acc = {}
acc["svc"] = accuracy_score(y_test, svc.predict(Z_test))
acc["knn"] = accuracy_score(y_test, knn.predict(Z_test))
acc["logreg"] = accuracy_score(y_test, logreg.predict(Z_test))
for name in sorted(acc):
    print(f"{name}: {acc[name]:.4f}")
best_name = max(sorted(acc), key=acc.get)
best_model = {"svc": svc, "knn": knn, "logreg": logreg}[best_name]
cm = confusion_matrix(y_test, best_model.predict(Z_test))
print("best:", best_name)
print("diagonal:", np.diag(cm).tolist())
print("errors:", int(cm.sum() - np.trace(cm)))
