import math
def heavy(x, n=20000):
    s = 0.0
    for k in range(1, n):
        s += math.sin(x * k) / k
    return s

out = []
for i in range(7):
    v = heavy(i)
    if i == 4:
        continue
    out.append(round(v, 6))
print(out, i, round(v, 6))

for x in []:
    y = heavy(x)
print("x" in globals(), "y" in globals())

total = 0.0
for k, x in enumerate([0.3, 0.1, 0.7, 0.2]):
    total += heavy(x) * k
print(repr(total))

fs = []
for j in range(4):
    val = heavy(j)
    fs.append(lambda: j)
print([f() for f in fs])

lst = [1, 2, 3]
for item in lst:
    r = heavy(item)
    if len(lst) < 6:
        lst.append(item * 10)
    print(item, round(r, 4))
print(lst)

d = {"a": 1, "b": 2}
for key, val in d.items():
    w = heavy(val)
    print(key, round(w, 5))
print(key, val)

for z in [0.5, 1.5, 2.5, 3.5]:
    q = heavy(z)
    print("z", z)
    if q < 0.6:
        print("break at", z)
        break
else:
    print("no break")
print(z, round(q, 6))

for z in [0.5, 1.5]:
    q = heavy(z)
else:
    print("else ran", z)

for n in [3, 2, 1, 0, -1]:
    r = heavy(1.0 / n)
    print("ok", n)
