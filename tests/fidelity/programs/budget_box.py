import time
class Box:
    def __init__(self, v):
        self.v = v
    def __repr__(self):
        return f'Box({self.v!r})'
v1 = 1; time.sleep(0.02)
def f1(a):
    time.sleep(0)
    return a + v1
v3 = [6, v1, 6]
v4 = v1 * 1 + v1; time.sleep(0)
v6 = f1(v1); time.sleep(0)
v4 += len(v3) + sum(x for x in v3 if isinstance(x, int))
v3.append(v6 * 3 + v4); time.sleep(0)
v7 = Box(v6 * 4 + v6)
o8 = v7
o8.v = len(v3) + sum(x for x in v3 if isinstance(x, int))
v10 = Box(v7.v if isinstance(v7.v, int) else 7)
print(v10.v)
