# An exception in an iteration's private work inside main(): python's
# traceback names the <module> call line, main's line and the helper's.
import math


def crunch(x, n=40000):
    s = 0.0
    for k in range(1, n):
        s += math.sin(x * k) / k
    return s / (x - 1.0)


def main():
    out = []
    for x in [0.25, 0.5, 1.0, 1.5]:
        r = crunch(x)
        out.append(r)
        print("ok", x)
    print(out)


main()
