# An ordered statement that reads an attribute of an object the private work
# made (`scores.append(search.best_score_)`): a number or a string comes from
# the part; any other value is the object itself in python (`b.items` below is
# changed after the loop, and `kept` must show it), so the chain runs that
# iteration itself.
import math


class Box:
    pass


def make(i, n=20000):
    b = Box()
    b.v = round(sum(math.sin(i * k) for k in range(1, n)), 6)
    b.name = f"box{i}"
    b.items = [i]
    return b


scores, names, kept = [], [], []
for i in range(4):
    b = make(i)
    scores.append(b.v)
    names.append(b.name)
    kept.append(b.items if i % 2 else b.name)
b.items.append(99)
print(scores, names, kept)
print(kept[-1] is b.items)
