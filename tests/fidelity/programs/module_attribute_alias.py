# An object stored into a module's attribute is the same object through both
# names: changing it through the module changes the script's list.
import json
import time

y = [1]
json.mine = y
time.sleep(0.1)
json.mine.append(2)
time.sleep(0.1)
print(y)
