import hashlib
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
import networkx as nx
G = nx.DiGraph([(1, 2), (2, 3), (3, 4), (4, 2), (3, 5), (5, 6)])
pos = nx.spring_layout(G, seed=8020)
nx.draw(G, pos, with_labels=True)
cycle = nx.find_cycle(G, orientation="original")
print(cycle)
nx.draw_networkx_edges(G, pos, edgelist=cycle, edge_color="r", width=2)
plt.savefig("cycle.png", metadata={"Software": None})
with open("cycle.png", "rb") as f:
    print(hashlib.sha256(f.read()).hexdigest()[:16])
