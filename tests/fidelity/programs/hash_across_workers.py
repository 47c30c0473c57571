import time
h1 = hash("taskpar")
time.sleep(0.1)
h2 = hash(("a", "b", 1))
time.sleep(0.1)
h3 = hash(frozenset({"x", "y"}))
time.sleep(0.1)
print(h1 == hash("taskpar"), h2 == hash(("a", "b", 1)), h3 == hash(frozenset({"x", "y"})))
