# globals() is the module's namespace: writing it binds names, reading it
# reaches every object, keeping it in a name keeps both possible.
import time

v = [5]
globals()["x"] = v
time.sleep(0.2)
x.append(2)
time.sleep(0.2)
print(v)
y = [1]
d2 = globals()["y"]
time.sleep(0.2)
d2.append(1)
time.sleep(0.2)
print(y)
k = [3]
globals().update(k2=k)
time.sleep(0.2)
k2.append(4)
time.sleep(0.2)
print(k)
g = globals()
z = [1]
w = g["z"]
time.sleep(0.2)
z.append(5)
time.sleep(0.2)
print(w)
print("z" in globals(), sorted(n for n in globals() if not n.startswith("_")))
