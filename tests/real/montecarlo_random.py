# A pure-python simulation with the random module: a queue at a shop and
# the birthday problem.
import random
import statistics

random.seed(2024)

N_CUSTOMERS = 3000
ARRIVAL_RATE = 1.0
SERVICE_RATE = 1.2


def simulate_queue(n, lam, mu):
    t = 0.0
    free_at = 0.0
    waits = []
    for _ in range(n):
        t += random.expovariate(lam)
        start = max(t, free_at)
        waits.append(start - t)
        free_at = start + random.expovariate(mu)
    return waits


def birthday_trial(people):
    days = [random.randint(1, 365) for _ in range(people)]
    return len(set(days)) < people


waits = simulate_queue(N_CUSTOMERS, ARRIVAL_RATE, SERVICE_RATE)
print("mean wait:", round(statistics.mean(waits), 4))
print("median wait:", round(statistics.median(waits), 4))
print("share waiting:", round(sum(w > 0 for w in waits) / len(waits), 4))

trials = 2000
p23 = sum(birthday_trial(23) for _ in range(trials)) / trials
p40 = sum(birthday_trial(40) for _ in range(trials)) / trials
print("P(shared birthday, 23):", round(p23, 3))
print("P(shared birthday, 40):", round(p40, 3))

deck = [(rank, suit) for suit in "SHDC" for rank in range(1, 14)]
random.shuffle(deck)
hand = deck[:5]
print("hand:", hand)
pairs = len(hand) - len({r for r, _ in hand})
print("pairs in hand:", pairs)
sample = random.sample(range(1000), 10)
print("sample:", sorted(sample))
print("gauss:", round(random.gauss(0, 1), 6))
