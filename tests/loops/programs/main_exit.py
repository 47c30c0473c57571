# sys.exit(main(argv)) with the work in a loop of main(): the parameters are
# bound from the arguments, the exit status is main's return value, and an
# error deep in an iteration shows python's traceback with main's frames.
import math
import sys


def crunch(x, n=40000):
    s = 0.0
    for k in range(1, n):
        s += math.cos(x * k) / k
    return s


def main(argv, limit=4):
    values = {}
    for i, x in enumerate([0.25, 0.5, 0.75, 1.0, 1.25]):
        v = crunch(x)
        values[x] = round(v, 6)
        print("crunched", i, values[x])
    print(len(argv), sorted(values.items())[:2])
    return len(values) - limit


if __name__ == "__main__":
    sys.exit(main(sys.argv))
