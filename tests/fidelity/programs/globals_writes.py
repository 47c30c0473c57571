# globals() is the module's namespace: writing it binds names, reading it
# reaches every object, keeping it in a name keeps both possible.
import time

v = [5]
globals()["x"] = v
time.sleep(0.1)
x.append(2)
time.sleep(0.1)
print(v)
y = [1]
d2 = globals()["y"]
time.sleep(0.1)
d2.append(1)
time.sleep(0.1)
print(y)
k = [3]
globals().update(k2=k)
time.sleep(0.1)
k2.append(4)
time.sleep(0.1)
print(k)
g = globals()
z = [1]
w = g["z"]
time.sleep(0.1)
z.append(5)
time.sleep(0.1)
print(w)
print("z" in globals(), sorted(n for n in globals() if not n.startswith("_")))
