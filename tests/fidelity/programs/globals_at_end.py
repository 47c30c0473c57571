import time
a = [1, 2, 3]
time.sleep(0.05)
b = {"k": a}
time.sleep(0.05)
def f(x):
    return x * 2
c = f(len(a))
time.sleep(0.05)
d = c + 1
print(sorted(k for k, v in globals().items() if not k.startswith('_')))
print(sorted(n for n in dir() if not n.startswith('_')))
print(d, b)
