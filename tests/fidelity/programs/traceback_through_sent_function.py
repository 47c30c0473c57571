# A function defined in the script reaches another worker as a value (after
# a barrier every name comes from the barrier's worker), and it raises there:
# python's traceback names the script's file and line in the function too
# (cloudpickle sends code as "<dynamic-code>").
import math


def ratio(x):
    return math.log(x) / (x - 2)


names = sorted(k for k in globals() if not k.startswith("__"))
print(names)
a = ratio(3.0)
b = ratio(4.0)
print(round(a, 6), round(b, 6))
c = ratio(2.0)
print("never", c)
