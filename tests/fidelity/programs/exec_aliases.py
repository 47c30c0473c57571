# exec binds names the analysis cannot see, here to objects other names hold:
# after it, changing one may change another (x is y; z[0] is y).
import time

y = [1]
exec("x = y")
time.sleep(0.1)
x.append(2)
time.sleep(0.1)
print(y)
exec("z = [y]")
time.sleep(0.1)
z[0].append(3)
time.sleep(0.1)
print(y)
w = [7]
print(w)
