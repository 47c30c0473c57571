import random
import time
random.seed(3)
a = [1, 2]
time.sleep(0.05)
b = a
q = 10
time.sleep(0.05)
exec("c = len(a) + q")
b.append(c)
time.sleep(0.05)
print(c, random.random(), a)
z = q * 2
print(z)
