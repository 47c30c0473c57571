# Work in inner loops and comprehensions inside the body; names used after
# the loop; an accumulator dict and a running text.
import math

table = {}
log = ""
for i in range(5):
    row = [math.sqrt(i * j + 1.0) for j in range(20000)]
    acc = 0.0
    for v in row:
        acc += v
    table[i] = round(acc, 6)
    log += f"{i}:{len(row)};"
print(table)
print(log, i, len(row), round(acc, 3))
