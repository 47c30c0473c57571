# Compare a handful of classifiers on the breast cancer data with 5-fold CV.
# Nothing fancy, just the usual "which model should I use" notebook-turned-script.
import numpy as np
from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import cross_val_score, StratifiedKFold
from sklearn.preprocessing import StandardScaler
from sklearn.pipeline import make_pipeline
from sklearn.linear_model import LogisticRegression
from sklearn.neighbors import KNeighborsClassifier
from sklearn.tree import DecisionTreeClassifier
from sklearn.ensemble import RandomForestClassifier
from sklearn.naive_bayes import GaussianNB

data = load_breast_cancer()
X, y = data.data, data.target
print("samples:", X.shape[0], "features:", X.shape[1])
print("class balance:", np.bincount(y).tolist())

cv = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)


def summarize(name, scores):
    return f"{name:<14} mean={scores.mean():.4f} std={scores.std():.4f}"


logreg = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))
knn = make_pipeline(StandardScaler(), KNeighborsClassifier(n_neighbors=7))
tree = DecisionTreeClassifier(max_depth=4, random_state=0)
forest = RandomForestClassifier(n_estimators=60, max_depth=6, random_state=0)
nb = GaussianNB()

scores_logreg = cross_val_score(logreg, X, y, cv=cv)
scores_knn = cross_val_score(knn, X, y, cv=cv)
scores_tree = cross_val_score(tree, X, y, cv=cv)
scores_forest = cross_val_score(forest, X, y, cv=cv)
scores_nb = cross_val_score(nb, X, y, cv=cv)

results = {
    "logreg": scores_logreg,
    "knn": scores_knn,
    "tree": scores_tree,
    "forest": scores_forest,
    "naive bayes": scores_nb,
}
for name, s in results.items():
    print(summarize(name, s))

best = max(results, key=lambda k: results[k].mean())
print("best model:", best)

# refit the winner on everything and look at the training accuracy
final = {"logreg": logreg, "knn": knn, "tree": tree, "forest": forest, "naive bayes": nb}[best]
final.fit(X, y)
print("train accuracy of", best, round(final.score(X, y), 4))
