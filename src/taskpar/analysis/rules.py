"""Documented tables: what library calls do to their arguments, results and hidden state.

Design note. The analysis knows nothing about library code, so every library
call is judged by its fully qualified name (``numpy.random.seed``, resolved
through ``import numpy as np`` / ``from random import shuffle``) or, for a
method call on an object of unknown type, by the method's *name* alone.
The defaults are the conservative ones:

* a library **function** leaves its arguments alone (except the mutators in
  ``MUTATING_FUNCTIONS`` and any ``out=`` argument) and its result *may alias*
  its arguments (``numpy.asarray(a)`` may return ``a``);
* a library **method** mutates its receiver and may store its arguments in
  it (``xs.append(a)``), and its result may alias receiver and arguments,
  unless ``METHODS`` says otherwise (``str.upper`` is pure and fresh,
  ``ndarray.reshape`` is pure but returns a view).

Result kinds (``RESULT_*``):

=========  =============================================================
fresh      a new object sharing nothing (``len``, ``float``, ``rng.normal``)
shallow    a new container whose elements may be the arguments' elements
           or the arguments themselves (``np.hstack``, ``zip(xs)``)
copy       a new builtin container of the argument's elements, never the
           argument itself (``list(xs)``, ``dict(d)``, ``sorted(xs)``)
elem       one of the arguments' elements (``min``, ``random.choice``)
alias      anything reachable from receiver and arguments (views:
           ``a.T``, ``a.reshape``, ``df.head``; the default)
=========  =============================================================

Hidden state (``resources_of_qualname``) is matched by qualified-name
prefix; see ``taskpar.analysis.model.RESOURCES`` for the names.

Size (over 600 lines, on purpose): tables, one entry per library function or
method, with the conservative defaults next to them; split by library, the
defaults and the lookups that combine them would be spread over modules.
"""

from __future__ import annotations

import builtins
import sys

FRESH, SHALLOW, ELEM, ALIAS = "fresh", "shallow", "elem", "alias"
COPY = "copy"

BUILTIN_NAMES = frozenset(dir(builtins))

# --------------------------------------------------------------------------
# Barriers: calls the analysis cannot see through.
BARRIER_FUNCTIONS = frozenset({
    "builtins.exec", "builtins.eval", "builtins.compile", "builtins.globals",
    "builtins.locals", "builtins.__import__", "builtins.breakpoint",
    "importlib.import_module", "importlib.reload", "importlib.__import__",
    "importlib.invalidate_caches", "runpy.run_path", "runpy.run_module",
    "pdb.set_trace", "code.interact",
})
BARRIER_PREFIXES = ("importlib.",)

# --------------------------------------------------------------------------
# Library functions that change an argument in place: qualified name ->
# indices of the positional arguments changed (keywords named in
# MUTATED_KEYWORDS, and ``out=`` everywhere, are changed too).
MUTATING_FUNCTIONS: dict[str, tuple[int, ...]] = {
    "random.shuffle": (0,),
    "numpy.random.shuffle": (0,),
    "heapq.heappush": (0,), "heapq.heappop": (0,), "heapq.heapify": (0,),
    "heapq.heapreplace": (0,), "heapq.heappushpop": (0,),
    "heapq._heapify_max": (0,), "heapq._heappop_max": (0,),
    "bisect.insort": (0,), "bisect.insort_left": (0,), "bisect.insort_right": (0,),
    "numpy.copyto": (0,), "numpy.put": (0,), "numpy.place": (0,),
    "numpy.putmask": (0,), "numpy.fill_diagonal": (0,), "numpy.put_along_axis": (0,),
    "numpy.ndarray.sort": (0,), "numpy.ndarray.fill": (0,),
    "list.sort": (0,), "list.append": (0,), "list.extend": (0,), "list.insert": (0,),
    "list.reverse": (0,), "list.remove": (0,), "list.pop": (0,), "list.clear": (0,),
    "dict.update": (0,), "dict.setdefault": (0,), "dict.pop": (0,), "dict.clear": (0,),
    "dict.popitem": (0,), "set.add": (0,), "set.update": (0,), "set.discard": (0,),
    "set.remove": (0,), "set.pop": (0,), "set.clear": (0,),
    "builtins.setattr": (0,), "builtins.delattr": (0,),
    "object.__setattr__": (0,), "object.__delattr__": (0,),
    "operator.setitem": (0,), "operator.delitem": (0,), "operator.iadd": (0,),
    "operator.isub": (0,), "operator.imul": (0,), "operator.iconcat": (0,),
    "json.dump": (1,), "pickle.dump": (1,), "marshal.dump": (1,),
    "numpy.save": (0,), "numpy.savez": (0,), "numpy.savez_compressed": (0,),
    "numpy.savetxt": (0,), "shutil.copyfileobj": (1,),
    "copy.copy": (), "gc.collect": (),
    # what is printed inside ``with redirect_stdout(buf):`` is written into buf
    "contextlib.redirect_stdout": (0,), "contextlib.redirect_stderr": (0,),
}
#: keyword arguments that name an object changed in place
MUTATED_KEYWORDS = frozenset({"out", "file", "fp", "buf", "dst"})
#: torch.nn.init.* and functions ending in "_" of torch change their first argument
MUTATING_PREFIXES: dict[str, tuple[int, ...]] = {"torch.nn.init.": (0,)}

# --------------------------------------------------------------------------
# Results of library functions (by qualified name); default ALIAS.
FUNCTION_RESULTS: dict[str, str] = {}
for _n in ("len str int float bool repr hash id abs round ord chr format bin hex oct "
           "isinstance issubclass callable hasattr complex divmod pow input print range "
           "bytes bytearray ascii any all exec eval compile setattr delattr").split():
    FUNCTION_RESULTS["builtins." + _n] = FRESH
for _n in "list tuple set frozenset dict sorted".split():
    FUNCTION_RESULTS["builtins." + _n] = COPY
for _n in "sum map filter zip enumerate reversed slice".split():  # (iterators hold their argument)
    FUNCTION_RESULTS["builtins." + _n] = SHALLOW
for _n in "min max next".split():
    FUNCTION_RESULTS["builtins." + _n] = ELEM
FUNCTION_RESULTS.update({
    "copy.deepcopy": FRESH, "copy.copy": SHALLOW,
    "random.choice": ELEM, "random.sample": SHALLOW, "random.choices": SHALLOW,
    # a generator keeps no reference to its seed (an int, str or bytes is
    # hashed into its state; 3.11 refuses other types)
    "random.Random": FRESH, "random.SystemRandom": FRESH,
    "statistics.mode": ELEM, "heapq.heappop": ELEM, "heapq.heapreplace": ELEM,
    "heapq.heappushpop": ELEM, "heapq.nlargest": SHALLOW, "heapq.nsmallest": SHALLOW,
    "json.loads": FRESH, "json.dumps": FRESH, "json.load": FRESH, "pickle.loads": FRESH,
    "pickle.load": FRESH, "pickle.dumps": FRESH, "time.time": FRESH,
    "time.perf_counter": FRESH, "time.monotonic": FRESH, "time.sleep": FRESH,
    "functools.reduce": ELEM, "itertools.chain": SHALLOW, "itertools.product": SHALLOW,
    "itertools.combinations": SHALLOW, "itertools.permutations": SHALLOW,
    "collections.Counter": SHALLOW, "collections.OrderedDict": SHALLOW,
    "collections.defaultdict": SHALLOW, "collections.deque": SHALLOW,
})
#: prefixes whose functions all return fresh objects
FRESH_PREFIXES = ("math.", "cmath.", "statistics.", "string.", "re.", "os.path.",
                  "time.", "datetime.", "hashlib.", "struct.", "base64.", "textwrap.",
                  "operator.", "decimal.", "fractions.", "uuid.", "platform.")
#: numpy functions return new arrays (object arrays share elements: SHALLOW)
#: except these, which may return their argument or a view of it
NUMPY_VIEWS = frozenset(
    "asarray asanyarray asmatrix ascontiguousarray asfortranarray require ravel reshape "
    "transpose squeeze expand_dims swapaxes moveaxis rollaxis broadcast_to broadcast_arrays "
    "atleast_1d atleast_2d atleast_3d diagonal real imag flip fliplr flipud rot90 "
    "split array_split hsplit vsplit dsplit frombuffer matrix nditer shares_memory "
    "may_share_memory unique_inverse".split())

# --------------------------------------------------------------------------
# Methods (by name, receiver type unknown): (mutates receiver?, result kind).
# Anything not listed: (True, ALIAS) — mutates the receiver, and may store
# its arguments in it.
METHODS: dict[str, tuple[bool, str]] = {}
_PURE_FRESH = (
    # str / bytes
    "upper lower strip lstrip rstrip split rsplit join replace format format_map "
    "startswith endswith find rfind index rindex count isdigit isalpha isspace isupper "
    "islower istitle isalnum isnumeric isdecimal isidentifier isprintable isascii title "
    "capitalize center ljust rjust zfill encode decode partition rpartition splitlines "
    "casefold expandtabs maketrans removeprefix removesuffix swapcase translate hex fromhex "
    # numbers
    "bit_length bit_count conjugate as_integer_ratio is_integer "
    # numpy / pandas read-only reductions and queries
    "sum mean std var min max argmax argmin prod cumsum cumprod all any median nunique "
    "quantile nonzero dot item itemsize nbytes ptp round clip trace "
    "isna isnull notna notnull describe corr cov value_counts duplicated equals "
    "memory_usage to_dict to_list to_json_string tobytes tostring flatten "
    "idxmax idxmin nlargest nsmallest rank diff pct_change abs "
    "isin between unique factorize info get_params score predict predict_proba "
    "decision_function "
    # sets / dicts / lists
    "union intersection difference symmetric_difference issubset issuperset isdisjoint "
    "fromkeys "
    # pathlib pure parts
    "with_suffix with_name with_stem joinpath relative_to is_absolute as_posix as_uri "
    "is_relative_to match "
    # datetime
    "isoformat strftime timestamp weekday isoweekday date total_seconds "
).split()
for _n in _PURE_FRESH:
    METHODS[_n] = (False, FRESH)
for _n in ("copy astype tolist to_numpy_copy sort_values sort_index drop dropna fillna "
           "rename reset_index set_index merge join assign pivot pivot_table melt "
           "sample replace_values apply_copy items_list to_frame to_list concat "
           "sorted_copy").split():
    METHODS[_n] = (False, SHALLOW)
for _n in ("reshape view ravel transpose T squeeze swapaxes head tail iloc loc at iat "
           "groupby agg aggregate apply map applymap transform rolling expanding resample "
           "get keys values items to_numpy filter query where mask pipe iterrows itertuples "
           "__iter__ __getitem__ __contains__ __len__ str dt cat plot hist "
           "getattr index_of").split():
    METHODS[_n] = (False, ALIAS)
for _n in ("read_text write_text read_bytes write_bytes exists is_file is_dir is_symlink "
           "glob rglob iterdir stat lstat resolve absolute samefile unlink mkdir rmdir touch "
           "expanduser to_csv to_parquet to_pickle to_excel to_hdf to_feather to_json "
           "to_html to_latex to_markdown to_xml savefig tofile").split():
    METHODS[_n] = (False, FRESH)   # pathlib / pandas writers: the receiver is unchanged
METHODS["get"] = (False, ELEM)
METHODS["index"] = (False, FRESH)
METHODS["count"] = (False, FRESH)
#: methods that advance a random generator (the receiver) and return fresh values
RNG_METHODS = frozenset(
    "normal random integers uniform standard_normal standard_exponential standard_gamma "
    "standard_cauchy standard_t binomial poisson exponential gamma beta "
    "multivariate_normal multivariate_hypergeometric randint rand randn random_sample "
    "random_integers ranf lognormal laplace logistic chisquare dirichlet geometric gumbel "
    "hypergeometric multinomial negative_binomial noncentral_chisquare noncentral_f "
    "pareto power rayleigh triangular vonmises wald weibull zipf f logseries "
    "gauss randrange getrandbits betavariate expovariate gammavariate lognormvariate "
    "normalvariate paretovariate vonmisesvariate weibullvariate triangular randbytes "
    "bytes spawn jumped".split())
for _n in RNG_METHODS:
    METHODS[_n] = (True, FRESH)
for _n in ("choice sample choices permutation permuted".split()):
    METHODS[_n] = (True, SHALLOW)
#: methods of a builtin container that add its positional arguments'
#: elements (``d.update(other)``, ``xs.extend(ys)``), not the arguments
ELEMENT_ADDING_METHODS = frozenset({"update", "extend"})
#: methods that change their first positional argument (besides the receiver)
ARG_MUTATING_METHODS = frozenset({"shuffle", "readinto", "recv_into", "readinto1",
                                  "shuffle_", "copyto"})
#: pandas-style methods that are pure unless called with ``inplace=True``
INPLACE_KEYWORD = "inplace"

#: methods touching the file system whatever their receiver
FS_METHODS = frozenset(
    "read_text write_text read_bytes write_bytes unlink mkdir rmdir touch exists is_file "
    "is_dir is_symlink glob rglob iterdir stat lstat open rename replace chmod resolve "
    "absolute samefile owner group readlink symlink_to hardlink_to expanduser "
    "to_csv to_parquet to_pickle to_excel to_hdf to_feather to_stata to_sql to_json "
    "to_html to_latex to_markdown to_xml to_orc tofile savefig save load dump "
    "read write readline readlines writelines flush close seek truncate fileno "
    "writerow writerows extractall extract".split())

# --------------------------------------------------------------------------
# Hidden state by qualified-name prefix (calls and attribute loads).
RANDOM_OBJECT_CTORS = frozenset({"random.Random", "random.SystemRandom"})
NUMPY_RANDOM_OBJECTS = frozenset(
    "default_rng Generator RandomState SeedSequence BitGenerator PCG64 PCG64DXSM "
    "MT19937 Philox SFC64".split())
FS_FUNCTIONS = frozenset({
    "builtins.open", "io.open", "os.open", "os.system", "os.popen", "os.startfile",
    "numpy.save", "numpy.savez", "numpy.savez_compressed", "numpy.load", "numpy.loadtxt",
    "numpy.savetxt", "numpy.genfromtxt", "numpy.fromfile", "numpy.memmap",
    "numpy.fromregex", "json.dump", "json.load", "pickle.dump", "pickle.load",
    "pickle.Pickler", "pickle.Unpickler", "matplotlib.pyplot.savefig",
    "matplotlib.pyplot.imread", "matplotlib.pyplot.imsave", "csv.reader", "csv.writer",
    "csv.DictReader", "csv.DictWriter", "joblib.dump", "joblib.load", "torch.save",
    "torch.load", "sqlite3.connect", "zipfile.ZipFile", "tarfile.open", "gzip.open",
    "bz2.open", "lzma.open", "shelve.open", "dbm.open", "fileinput.input",
    "builtins.exit", "builtins.quit",
})
FS_PREFIXES = ("shutil.", "tempfile.", "glob.", "pandas.read_", "subprocess.",
               "os.makedirs", "os.mkdir", "os.remove", "os.unlink", "os.rename",
               "os.replace", "os.rmdir", "os.removedirs", "os.listdir", "os.scandir",
               "os.walk", "os.stat", "os.lstat", "os.chmod", "os.chown", "os.link",
               "os.symlink", "os.readlink", "os.truncate", "os.utime", "os.access",
               "os.path.exists", "os.path.isfile", "os.path.isdir", "os.path.islink",
               "os.path.getsize", "os.path.getmtime", "os.path.getatime",
               "os.path.getctime", "os.path.lexists", "os.path.samefile",
               "os.path.realpath", "os.path.abspath", "os.path.ismount", "os.fwalk",
               "os.mkfifo", "os.renames", "os.umask", "os.spawn", "os.exec",
               "pathlib.Path.cwd", "pathlib.Path.home", "imageio.", "PIL.Image.open",
               "h5py.File", "scipy.io.", "sklearn.datasets.fetch_", "urllib.request.")
CWD_FUNCTIONS = frozenset({"os.chdir", "os.fchdir", "os.getcwd", "os.getcwdb",
                           "pathlib.Path.cwd", "contextlib.chdir"})
CHDIR_FUNCTIONS = frozenset({"os.chdir", "os.fchdir", "contextlib.chdir"})
#: functions that change a module's global configuration: resource module:ROOT
MODULE_CONFIG_FUNCTIONS = frozenset({
    "numpy.set_printoptions", "numpy.seterr", "numpy.seterrcall", "numpy.setbufsize",
    "numpy.set_string_function", "pandas.set_option", "pandas.reset_option",
    "sys.setrecursionlimit", "sys.setswitchinterval", "sys.set_int_max_str_digits",
    "sys.settrace", "sys.setprofile", "sys.excepthook", "decimal.setcontext",
    "decimal.getcontext", "locale.setlocale", "socket.setdefaulttimeout",
    "sklearn.set_config", "torch.set_default_dtype", "torch.set_num_threads",
    "torch.set_printoptions", "torch.set_grad_enabled", "torch.set_default_tensor_type",
    "os.umask", "atexit.register", "signal.signal", "threading.excepthook",
    "faulthandler.enable", "gc.disable", "gc.enable", "gc.set_threshold",
    "codecs.register", "mimetypes.add_type", "copyreg.pickle",
})
TORCH_RANDOM = frozenset({
    "torch.manual_seed", "torch.seed", "torch.initial_seed", "torch.get_rng_state",
    "torch.set_rng_state", "torch.rand", "torch.rand_like", "torch.randn",
    "torch.randn_like", "torch.randint", "torch.randint_like", "torch.randperm",
    "torch.normal", "torch.bernoulli", "torch.multinomial", "torch.poisson",
    "torch.cuda.manual_seed", "torch.cuda.manual_seed_all", "torch.random.manual_seed",
})
TORCH_RANDOM_PREFIXES = ("torch.nn.", "torch.random.", "torch.utils.data.")


#: library code that draws on pyplot's current figure (or makes one): its
#: calls touch ``pyplot`` like ``plt.plot`` does
PYPLOT_PREFIXES = ("matplotlib", "pylab", "seaborn", "networkx.draw", "networkx.drawing",
                   "pandas.plotting.", "statsmodels.graphics.", "sklearn.tree.plot_tree",
                   "scipy.cluster.hierarchy.dendrogram", "mpl_toolkits.", "plotnine.")
#: methods (receiver unknown) that draw with pyplot: ``df.plot()``,
#: ``df.plot.bar()``, ``series.hist()``, scikit-learn's ``*Display`` objects
PYPLOT_METHODS = frozenset({"plot", "hist", "boxplot", "from_estimator", "from_predictions",
                            "plot_tree", "bar", "barh", "scatter", "pie", "kde", "density",
                            "area", "line", "hexbin"})


def uses_pyplot(qual: str) -> bool:
    """Does calling library function ``qual`` draw with pyplot?"""
    if qual.startswith(PYPLOT_PREFIXES):
        return True
    last = qual.rsplit(".", 1)[-1]
    # sklearn.metrics.RocCurveDisplay.from_estimator, ...Display(...).plot()
    return qual.startswith("sklearn.") and ("Display" in qual and last != "__init__")


def root_module(qual: str) -> str:
    return qual.split(".", 1)[0]


def resources_of_qualname(qual: str, *, call: bool) -> set[str]:
    """Hidden-state resources touched by calling (or loading) ``qual``."""
    out: set[str] = set()
    if qual.startswith("random.") and qual not in RANDOM_OBJECT_CTORS:
        out.add("random")
    if qual.startswith("numpy.random."):
        rest = qual[len("numpy.random."):].split(".")[0]
        if rest not in NUMPY_RANDOM_OBJECTS:
            out.add("numpy.random")
    if qual in TORCH_RANDOM or qual.startswith(TORCH_RANDOM_PREFIXES):
        out.add("torch.random")
    if uses_pyplot(qual):
        out.add("pyplot")
    if qual.startswith(("os.environ", "os.environb")) or qual in (
            "os.getenv", "os.putenv", "os.unsetenv", "os.getenvb"):
        out.add("environ")
    if qual.startswith(("sys.path", "sys.modules", "sys.meta_path", "sys.path_hooks",
                        "site.", "importlib.", "sys.path_importer_cache")):
        out.add("sys.path")
    if qual.startswith("warnings."):
        out.add("warnings")
        if qual in WARNINGS_FILTER_CALLS or qual.startswith("warnings.filters"):
            out.add(FILTERS_CHANGED)
    if qual.startswith("logging."):
        out.add("logging")
    if qual in ("builtins.input", "sys.stdin") or qual.startswith(
            ("sys.stdin.", "fileinput.", "getpass.")):
        out.add("stdin")
    if qual in ("sys.stdout.reconfigure", "sys.stderr.reconfigure") or qual.startswith(
            ("contextlib.redirect_stdout", "contextlib.redirect_stderr")):
        out.add("stdout")
    if qual == "time.tzset":
        out.add("time")
    if qual in CWD_FUNCTIONS:
        out.add("cwd")
    if call and (qual in FS_FUNCTIONS or qual.startswith(FS_PREFIXES)):
        out.add("fs")
    if qual.startswith("subprocess.") or qual in ("os.system", "os.popen"):
        out.update({"fs", "environ"})
    if qual in MODULE_CONFIG_FUNCTIONS:
        out.add("module:" + root_module(qual))
    return out


#: builtins that, called without arguments, see every name of the module
#: (``dir()`` and ``vars()`` only then; ``globals``/``locals`` always)
INTROSPECTION = frozenset({"builtins.globals", "builtins.locals", "builtins.vars",
                           "builtins.dir"})


def barrier_reason(qual: str, nargs: int) -> str:
    """Why calling ``qual`` (with ``nargs`` arguments) is a barrier, or "".

    Library configuration (print options, display precision, error modes)
    changes how *any* later statement using that library behaves, which no
    variable shows: a barrier. Scripts set it near the top, so this costs
    little parallelism.
    """
    name = qual.rsplit(".", 1)[-1]
    if qual in INTROSPECTION:
        if qual in ("builtins.dir", "builtins.vars") and nargs:
            return ""
        return f"reads every name of the module ({name}())"
    if qual in MODULE_CONFIG_FUNCTIONS:
        return f"changes library configuration ({qual}), which every later use may see"
    if qual in BARRIER_FUNCTIONS or qual.startswith(BARRIER_PREFIXES):
        return f"runs code the analysis cannot see ({qual.removeprefix('builtins.')}())"
    return ""


#: called without arguments at top level, these return the module's namespace
NAMESPACE_FUNCTIONS = frozenset({"builtins.globals", "builtins.locals", "builtins.vars"})


def runs_unseen_code(qual: str) -> bool:
    """Whether the barrier of calling ``qual`` may run code the analysis
    cannot see, which may bind any name and alias any objects (``exec``,
    ``globals()``, whose dict binds names when written): the analysis widens
    what every name may hold after it. Library configuration and ``dir()``
    read or set no script object."""
    return qual not in MODULE_CONFIG_FUNCTIONS and qual != "builtins.dir"


# --------------------------------------------------------------------------
# Names read through strings. Formula interfaces evaluate a string in the
# caller's namespace: ``smf.glm("y ~ double_it(x)", data=df)`` calls the
# script's ``double_it``; ``df.query("a > @limit")`` reads ``limit``;
# ``numexpr.evaluate("a * b")`` reads ``a`` and ``b``. A literal string is
# read for the names it mentions; any other expression there (an f-string,
# a variable) may name anything: the call is a barrier.
STRING_EVAL_FUNCTIONS = frozenset({
    "patsy.dmatrices", "patsy.dmatrix", "patsy.ModelDesc.from_formula",
    "formulaic.model_matrix", "formulaic.Formula", "pandas.eval", "numexpr.evaluate",
    "numexpr.re_evaluate",
})
STRING_EVAL_PREFIXES = ("statsmodels.formula.api.",)
#: methods (receiver unknown) taking such a string
STRING_EVAL_METHODS = frozenset({"query", "eval", "from_formula"})
#: the parameter that holds the string: first positional, or one of these
STRING_EVAL_KEYWORDS = ("formula", "expr", "ex", "formula_like")


def evaluates_string(qual: str | None = None, method: str | None = None) -> bool:
    """Does this call evaluate a string argument in the caller's namespace?"""
    if method is not None:
        return method in STRING_EVAL_METHODS
    return qual in STRING_EVAL_FUNCTIONS or qual.startswith(STRING_EVAL_PREFIXES)


def names_in_string(text: str) -> set[str]:
    """Identifiers a formula / expression string may refer to."""
    import keyword
    import re

    return {n for n in re.findall(r"[A-Za-z_][A-Za-z0-9_]*", text) if not keyword.iskeyword(n)}


# --------------------------------------------------------------------------
# The global generators used by library code without being named.
#
# Rule (see ``effects``): once a statement has touched a global generator
# (``random`` or ``numpy.random``: seeded it, drawn from it), every *later*
# call into library code that this table does not document as leaving the
# generators alone is assumed to draw from it too: scikit-learn estimators
# with ``random_state=None`` and ``make_*`` datasets, ``scipy.stats`` draws,
# ``DataFrame.sample``, statsmodels' ``generate_sample``, networkx's
# random graphs all use the global generator silently. Such a statement
# gets the generator as a resource, marked ``assumed``: runs observe whether
# it really changed the generator, and later runs drop what it did not use.
#
#: a marker put in ``Effects.resources`` by a library call that may use a
#: global generator; the top-level pass replaces it (never in a Statement)
LIBRARY_RNG = "<library-rng>"
#: the same for a call that changes the warnings filters (``model.WARNINGS_FILTERS``)
FILTERS_CHANGED = "<warnings-filters>"
WARNINGS_FILTER_CALLS = frozenset({"warnings.filterwarnings", "warnings.simplefilter",
                                   "warnings.resetwarnings", "warnings.catch_warnings"})
GLOBAL_GENERATORS = ("random", "numpy.random")
#: calls that overwrite a global generator's whole state with one argument
#: (a write that does not read it): what follows draws from a new chain,
#: whatever came before (``loops``: iterations that each seed first are
#: independent). ``random.seed()`` without an argument is not one: it reads
#: the operating system's entropy, and python's output is random then.
RESEEDING = {"random.seed": "random", "numpy.random.seed": "numpy.random"}
#: standard-library modules: none but ``random`` draws from a global generator
STDLIB = frozenset(getattr(sys, "stdlib_module_names", ())) | {"builtins", "__future__"}
#: third-party functions (by prefix) that never use a global generator
RNG_FREE_PREFIXES = (
    "matplotlib.pyplot.", "matplotlib.", "pandas.", "scipy.linalg.", "scipy.special.",
    "scipy.fft.", "scipy.fftpack.", "scipy.integrate.", "scipy.interpolate.",
    "scipy.ndimage.", "scipy.signal.", "scipy.spatial.", "scipy.io.", "scipy.constants.",
    "sklearn.metrics.", "sklearn.preprocessing.", "sklearn.base.clone",
    "sklearn.datasets.load_", "sklearn.pipeline.make_pipeline",
    "sklearn.compose.make_column_transformer", "threadpoolctl.", "joblib.dump",
    "joblib.load", "PIL.", "tqdm.",
)
#: ... and these, which do, inside otherwise free packages
RNG_USING = frozenset({
    "matplotlib.pylab", "pandas.DataFrame.sample", "pandas.Series.sample",
    "scipy.signal.max_len_seq",
})
#: deterministic scipy.optimize / scipy.stats entry points (the rest of
#: scipy.stats draws when asked for samples; basinhopping and friends draw)
RNG_FREE_FUNCTIONS = frozenset(
    ["scipy.optimize." + n for n in
     "minimize minimize_scalar root root_scalar brentq brenth bisect newton ridder "
     "least_squares curve_fit linprog milp fsolve fmin fmin_bfgs fmin_l_bfgs_b "
     "linear_sum_assignment nnls lsq_linear approx_fprime check_grad golden "
     "brute fixed_point".split()]
    + ["scipy.stats." + n for n in
       "pearsonr spearmanr kendalltau linregress ttest_ind ttest_rel ttest_1samp "
       "describe zscore sem skew kurtosis mode gmean hmean iqr rankdata entropy "
       "chi2_contingency chisquare ks_2samp kstest shapiro normaltest mannwhitneyu "
       "wilcoxon kruskal f_oneway binomtest fisher_exact gaussian_kde".split()])
#: methods of distributions that compute, not draw
RNG_FREE_DIST_METHODS = frozenset(
    "pdf logpdf cdf logcdf sf logsf ppf isf pmf logpmf mean median var std stats "
    "moment entropy interval expect support".split())
#: library methods (by name) that never use a global generator, besides the
#: pure ones of ``METHODS`` and the container mutators
RNG_FREE_METHODS = frozenset(
    "append extend insert pop remove clear update setdefault add discard sort reverse "
    "popitem write writelines read readline readlines close flush seek set_title "
    "set_xlabel set_ylabel set_xlim set_ylim legend grid savefig tight_layout "
    "set_params get_params fill put".split())


def rng_free_function(qual: str) -> bool:
    """True if calling library function ``qual`` leaves the global generators alone."""
    if qual in RNG_USING or qual.startswith(("matplotlib.pylab.", "pylab.")):
        return False
    if qual in RANDOM_OBJECT_CTORS:  # seeded from its argument or os.urandom
        return True
    root = root_module(qual)
    if root in STDLIB:
        return root != "random"
    if root == "numpy":
        return not qual.startswith("numpy.random")
    if qual in RNG_FREE_FUNCTIONS or qual.startswith(RNG_FREE_PREFIXES):
        return True
    parts = qual.split(".")
    if root == "sklearn" and parts[-1][:1].isupper():
        return True  # estimator constructors only store their parameters
    if qual.startswith("scipy.stats.") and parts[-1] in RNG_FREE_DIST_METHODS:
        return True
    return False


#: methods that draw from the global generator when given no ``random_state``
#: (``DataFrame.sample``, ``scipy.stats`` ``rvs``) even though they look pure
RNG_USING_METHODS = frozenset({"sample", "rvs", "random_sample", "bootstrap"})


def rng_free_method(name: str) -> bool:
    """True if a library method ``name`` (receiver unknown) leaves them alone.

    Draws on a generator object (``rng.normal()``) use that object, not a
    global generator: they are free here (the object itself is mutated).
    """
    if name in RNG_USING_METHODS:
        return False
    if name in RNG_FREE_METHODS or name in RNG_FREE_DIST_METHODS or name in RNG_METHODS:
        return True
    mutates, _ = METHODS.get(name, (True, ALIAS))
    return not mutates or name in ("choice", "shuffle", "permutation", "permuted", "choices")


# --------------------------------------------------------------------------
# Iterators: iterating one consumes it, so a statement that iterates (``for``,
# ``list(it)``, ``next(it)``, ``" ".join(it)``...) changes it. Results of
# these calls may be iterators (itertools.* are too); generator objects and
# generator expressions are recognised from the script itself.
ITERATOR_RESULTS = frozenset({
    "builtins.iter", "builtins.map", "builtins.filter", "builtins.zip", "builtins.enumerate",
    "builtins.reversed", "builtins.open", "io.open", "csv.reader", "csv.DictReader",
    "os.scandir", "os.walk", "glob.iglob", "re.finditer", "os.fwalk", "fileinput.input",
    "gzip.open", "bz2.open", "lzma.open", "codecs.open", "tokenize.tokenize",
})
#: methods whose result may be an iterator
ITERATOR_METHODS = frozenset(
    "glob rglob iterdir walk finditer iterrows itertuples iteritems imap imap_unordered "
    "__iter__ open".split())
#: library functions that iterate their arguments (to the end, or a step)
CONSUMING_FUNCTIONS = frozenset({
    "builtins.list", "builtins.tuple", "builtins.set", "builtins.frozenset", "builtins.dict",
    "builtins.sorted", "builtins.sum", "builtins.min", "builtins.max", "builtins.any",
    "builtins.all", "builtins.next", "builtins.bytes", "builtins.bytearray",
    "collections.Counter", "collections.deque", "collections.OrderedDict",
    "numpy.array", "numpy.fromiter", "numpy.asarray", "pandas.DataFrame", "pandas.Series",
    "statistics.mean", "statistics.median", "math.fsum", "math.prod", "functools.reduce",
    "heapq.nlargest", "heapq.nsmallest",
})
#: library methods that iterate their arguments
CONSUMING_METHODS = frozenset("join extend update writelines union intersection "
                              "difference issubset issuperset".split())


def function_result(qual: str) -> str:
    """Result kind of a library function call."""
    if qual in FUNCTION_RESULTS:
        return FUNCTION_RESULTS[qual]
    if qual.startswith("numpy.random.") and qual.rsplit(".", 1)[1] in RNG_METHODS:
        return FRESH
    if qual.startswith("random.") and qual.rsplit(".", 1)[1] in RNG_METHODS:
        return FRESH
    if qual.startswith(FRESH_PREFIXES):
        return FRESH
    if qual.startswith("numpy."):
        return ALIAS if qual.rsplit(".", 1)[1] in NUMPY_VIEWS else SHALLOW
    if qual.startswith(("pandas.read_", "numpy.load")):
        return FRESH
    return ALIAS


def mutated_positions(qual: str) -> tuple[int, ...]:
    if qual in MUTATING_FUNCTIONS:
        return MUTATING_FUNCTIONS[qual]
    for p, pos in MUTATING_PREFIXES.items():
        if qual.startswith(p):
            return pos
    if qual.startswith("torch.") and qual.endswith("_") and not qual.endswith("__"):
        return (0,)
    return ()


def method_rule(name: str) -> tuple[bool, str]:
    """(mutates receiver?, result kind) of a library method called ``name``."""
    return METHODS.get(name, (True, ALIAS))


# --------------------------------------------------------------------------
# Values that cannot be pickled, so cannot move between workers: every
# statement that touches one (or a container holding one) runs in the
# process that made it (resource ``object:NAME``). Generator objects and
# generator expressions are recognised from the script itself.
UNPICKLABLE_RESULTS = frozenset({
    "builtins.open", "io.open", "io.FileIO", "io.BufferedReader", "io.BufferedWriter",
    "gzip.open", "bz2.open", "lzma.open", "codecs.open", "tempfile.TemporaryFile",
    "tempfile.NamedTemporaryFile", "tempfile.SpooledTemporaryFile", "tempfile.TemporaryDirectory",
    "os.scandir", "os.walk", "os.fdopen", "os.popen", "glob.iglob", "re.finditer",
    "threading.Lock", "threading.RLock", "threading.Condition", "threading.Event",
    "threading.Semaphore", "threading.BoundedSemaphore", "threading.Thread", "threading.Timer",
    "threading.Barrier", "queue.Queue", "queue.LifoQueue", "queue.PriorityQueue",
    "multiprocessing.Pool", "multiprocessing.Process", "multiprocessing.Queue",
    "multiprocessing.Lock", "concurrent.futures.ThreadPoolExecutor",
    "concurrent.futures.ProcessPoolExecutor", "sqlite3.connect", "socket.socket",
    "socket.create_connection", "subprocess.Popen", "zipfile.ZipFile", "tarfile.open",
    "csv.reader", "csv.writer", "csv.DictReader", "csv.DictWriter", "shelve.open",
    "dbm.open", "mmap.mmap", "selectors.DefaultSelector", "logging.FileHandler",
    "logging.StreamHandler", "urllib.request.urlopen", "contextlib.ExitStack",
})
#: methods whose result cannot be pickled (a cursor, an opened path, a generator)
UNPICKLABLE_METHODS = frozenset("cursor open iterdir glob rglob iterrows itertuples "
                                "finditer execute executemany".split())
