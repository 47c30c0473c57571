# A script that logs progress to stderr and emits a couple of warnings.
import logging
import sys
import warnings

logging.basicConfig(stream=sys.stderr, level=logging.INFO, format="%(levelname)s:%(name)s:%(message)s")
log = logging.getLogger("pipeline")
log.info("starting")

data = [3.5, 2.0, -1.0, 7.25, 0.0, 4.5]
log.info("loaded %d values", len(data))


def check_values(values):
    bad = [v for v in values if v <= 0]
    if bad:
        warnings.warn(f"{len(bad)} non-positive values will be dropped", UserWarning)
    return [v for v in values if v > 0]


clean = check_values(data)
log.debug("this debug line is not shown")
print("clean:", clean)
total = sum(clean)
log.info("total %.2f", total)
warnings.warn("deprecated option 'fast' ignored", DeprecationWarning)
warnings.warn("results are approximate", RuntimeWarning)
log.warning("%d values dropped", len(data) - len(clean))
log.setLevel(logging.WARNING)
log.info("this info is hidden now")
print("mean:", round(total / len(clean), 4))
log.error("pretend error for the log")
again = check_values([1.0, -2.0, -3.0])  # same warning text and place: python shows it once
print("again:", again)
