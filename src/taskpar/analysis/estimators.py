"""Library knowledge for loops over scikit-learn estimators: which
iterations may share one estimator object.

A split loop's parts work on copies of the iterations' items, made when
the iterable is evaluated; two iterations whose items are one mutable
object therefore keep the loop serial (``runtime.loops``), because the
later one would not see what the earlier one did to it. The scikit-learn
pattern breaks that rule harmlessly::

    for cols in feature_sets:
        for model in models:          # each model in three iterations
            score = cross_val_score(model, X[:, cols], y).mean()
            model.fit(X[:, cols], y)  # changes the model, in order
            print(type(model).__name__, score)

A loop target ``t`` may be one object in several iterations
(``shareable_targets``) when:

=============================  ==============================================
what                           why it is safe
=============================  ==============================================
every change to ``t`` in the   the chain runs them in iteration order on the
body is a statement            object itself (``fit`` never changes an
``t.fit(...)`` (or             estimator's parameters: scikit-learn's
``partial_fit``,               contract), so after the loop the objects are
``fit_transform``,             python's; no part changes its copy
``fit_predict``;
``x = t.fit(...)``) that runs
in order
every read of ``t`` in work    ``cross_val_score`` and the others clone their
run apart (a private           estimator first: they read its parameters
statement, a call hoisted out  only, which a copy made before earlier fits
of an ordered one) is the      has too (``PARAMS_ONLY``); ``type(t)`` is the
first argument of a            class
``PARAMS_ONLY`` function of
scikit-learn, or ``type(t)``
=============================  ==============================================

The functions are recognised only when the script imports them from
scikit-learn and does not rebind their names; anything else (``t.score``,
``t.predict``, ``t.coef_``, ``t.set_params``, passing ``t`` elsewhere) in
work run apart leaves the loop to the ordinary check.
"""

from __future__ import annotations

import ast

from .astwalk import walk

__all__ = ["PARAMS_ONLY", "REFITTING", "CLONING_ESTIMATORS", "cloning_parts", "SklearnNames",
           "shareable_targets"]

#: scikit-learn functions that read only their first argument's parameters
#: (``clone`` without ``safe=False``)
PARAMS_ONLY = frozenset({
    "sklearn.model_selection.cross_val_score", "sklearn.model_selection.cross_validate",
    "sklearn.model_selection.cross_val_predict", "sklearn.model_selection.learning_curve",
    "sklearn.model_selection.validation_curve",
    "sklearn.model_selection.permutation_test_score", "sklearn.base.clone", "sklearn.clone",
})


# scikit-learn meta-estimators whose ``fit`` clones the estimator(s) they were
# given (scikit-learn >= 1.0): qualified name -> (how many arguments the
# signature takes by position, the parameters whose objects ``fit`` may
# change: a cv splitter or a ``random_state`` holding a RandomState draws from
# it). Their construction is ``rules.SHALLOW`` (a new object holding its arguments), and
# ``fit`` on it changes the object and those parameters' objects, never the
# cloned estimator nor the grid; any other changing method may change all it
# holds (``set_params(estimator__C=…)``). Not here: ``Pipeline`` and
# ``make_pipeline`` (their fit fits the steps it was given).
CLONING_ESTIMATORS: dict[str, tuple[int, tuple[str, ...]]] = {
    "sklearn.model_selection.GridSearchCV": (2, ("cv",)),
    "sklearn.model_selection.RandomizedSearchCV": (2, ("cv", "random_state")),
    "sklearn.model_selection.HalvingGridSearchCV": (2, ("cv", "random_state")),
    "sklearn.model_selection.HalvingRandomSearchCV": (2, ("cv", "random_state")),
    "sklearn.ensemble.BaggingClassifier": (2, ("random_state",)),
    "sklearn.ensemble.BaggingRegressor": (2, ("random_state",)),
    "sklearn.ensemble.AdaBoostClassifier": (1, ("random_state",)),
    "sklearn.ensemble.AdaBoostRegressor": (1, ("random_state",)),
    "sklearn.multiclass.OneVsRestClassifier": (1, ()),
    "sklearn.multiclass.OneVsOneClassifier": (1, ()),
    "sklearn.multioutput.MultiOutputClassifier": (1, ()),
    "sklearn.multioutput.MultiOutputRegressor": (1, ()),
    "sklearn.feature_selection.RFE": (1, ()),
    "sklearn.feature_selection.RFECV": (1, ("cv",)),
    "sklearn.calibration.CalibratedClassifierCV": (1, ("cv",)),
}
#: estimator methods that change what it learned, never its parameters
REFITTING = frozenset({"fit", "partial_fit", "fit_transform", "fit_predict"})


def cloning_parts(qual: str, args) -> set | None:
    """For a ``CLONING_ESTIMATORS`` construction with arguments ``args``
    (``calls.CallArgs``): the objects its ``fit`` may change besides
    itself; None when the rule does not apply (another call, ``*args`` or
    ``**kwargs``, more positional arguments than the signature takes)."""
    rule = CLONING_ESTIMATORS.get(qual)
    if rule is None or args.star or len(args.pos) > rule[0]:
        return None
    out: set = set()
    for name in rule[1]:
        out |= args.kw.get(name, set())
    return out


class SklearnNames:
    """How a script names scikit-learn's functions: ``from sklearn.x import
    f [as g]`` and ``import sklearn.x [as m]`` (names bound only there)."""

    def __init__(self, tree: ast.Module):
        self.functions: dict[str, str] = {}
        self.modules: dict[str, str] = {}
        stores: dict[str, int] = {}
        nodes = walk(tree)
        for n in nodes:
            if n.__class__ is ast.ImportFrom and n.level == 0 and n.module and (
                    n.module == "sklearn" or n.module.startswith("sklearn.")):
                for a in n.names:
                    self.functions[a.asname or a.name] = f"{n.module}.{a.name}"
            elif n.__class__ is ast.Import:
                for a in n.names:
                    if a.name == "sklearn" or a.name.startswith("sklearn."):
                        if a.asname:
                            self.modules[a.asname] = a.name
                        else:
                            self.modules["sklearn"] = "sklearn"
        for n in nodes if self.functions or self.modules else ():  # (else nothing to check)
            for name in _bound_here(n):
                stores[name] = stores.get(name, 0) + 1
        # a name bound anywhere else than by its import is not the function
        for table in (self.functions, self.modules):
            for name in list(table):
                if stores.get(name, 0) != 1:
                    del table[name]

    def qualname(self, func) -> str | None:
        if isinstance(func, ast.Name):
            return self.functions.get(func.id)
        parts = []
        while isinstance(func, ast.Attribute):
            parts.append(func.attr)
            func = func.value
        if isinstance(func, ast.Name):
            base = self.modules.get(func.id) or self.functions.get(func.id)
            if base is not None:
                return ".".join([base] + parts[::-1])
        return None


def _bound_here(node) -> list[str]:
    """Names ``node`` itself binds (an import, an assignment target, a def)."""
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        return [(a.asname or a.name).split(".")[0] for a in node.names]
    if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
        return [node.id]
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return [node.name]
    if isinstance(node, ast.arg):
        return [node.arg]
    return []


def _params_only_call(call: ast.Call, names: SklearnNames) -> bool:
    if isinstance(call.func, ast.Name) and call.func.id == "type" and "type" not in (
            names.functions) and len(call.args) == 1 and not call.keywords:
        return True
    qual = names.qualname(call.func)
    if qual is None or qual not in PARAMS_ONLY:
        return False
    return not (qual.endswith(".clone") and any(k.arg == "safe" for k in call.keywords))


def _reads_params_only(t: str, exprs, names: SklearnNames) -> bool:
    """True if every use of ``t`` in ``exprs`` is a ``PARAMS_ONLY`` first argument."""
    allowed = set()
    uses = []
    for e in exprs:
        for n in ast.walk(e):
            if isinstance(n, ast.Call) and n.args and isinstance(n.args[0], ast.Name) and (
                    n.args[0].id == t) and _params_only_call(n, names):
                allowed.add(id(n.args[0]))
            elif isinstance(n, ast.Name) and n.id == t:
                uses.append(n)
    return all(id(n) in allowed for n in uses)


def _refits(stmt, t: str) -> bool:
    """True if ``stmt`` is ``t.fit(...)`` or ``x = t.fit(...)`` (``REFITTING``)."""
    if isinstance(stmt, ast.Expr):
        value = stmt.value
    elif isinstance(stmt, ast.Assign) and all(isinstance(x, ast.Name) for x in stmt.targets):
        value = stmt.value
        if any(x.id == t for x in stmt.targets):
            return False
    else:
        return False
    if not (isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute)
            and value.func.attr in REFITTING and isinstance(value.func.value, ast.Name)
            and value.func.value.id == t):
        return False
    return not any(isinstance(n, ast.Name) and n.id == t
                   for a in value.args + [k.value for k in value.keywords] for n in ast.walk(a))


def shareable_targets(candidates, apart: list, apart_mutates: set, ordered: list,
                      names: SklearnNames) -> tuple[str, ...]:
    """The names of ``candidates`` (loop targets the parts read) whose value
    may be one object in several iterations (see the module docstring).

    ``apart``: the nodes run in parts (private statements, hoisted
    expressions); ``apart_mutates``: the names they change; ``ordered``:
    ``(statement, names it changes)`` for the statements the chain runs."""
    if not names.functions and not names.modules:
        return ()
    out = []
    for t in sorted(candidates):
        if t in apart_mutates:
            continue
        if not all(_refits(stmt, t) for stmt, changed in ordered if t in changed):
            continue
        if _reads_params_only(t, apart, names):
            out.append(t)
    return tuple(out)
