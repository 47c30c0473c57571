# A loop over an iterator that its body also takes items from (next(it)),
# and one over an enumerate of such an iterator, with a break: python's
# iteration skips what the body took, and the iterator is left where python
# leaves it. (loopgen seed 6091: the items were taken up front, and the
# body's next() found nothing.)
import math


def heavy(x, n=20000):
    s = 0.0
    for k in range(n):
        s += math.sin(x * k)
    return s


skipped = []
it = iter([7, 5, 15, 24, 23, 9, 4])
for x in it:
    if x % 3 == 0:
        skipped.append(next(it, None))
    w = heavy(2.5)
    print(x, round(w, 6))
print("skipped", skipped, list(it))

source = iter(range(10, 20))
for i, y in enumerate(source):
    v = heavy(y)
    if y % 4 == 0:
        print("took", next(source))
    print(i, y, round(v, 6))
    if i == 5:
        break
print("left", list(source))
