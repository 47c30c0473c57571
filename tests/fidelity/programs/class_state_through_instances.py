# A class changed through one of its instances is changed for every other.
# Before the instance's class became its tag (analysis.interp.classes_of), a
# classmethod called from an instance method was not seen to change the
# class, and a change of a base class was not seen by a subclass's
# instances: the reading statement ran on another worker and printed the
# old value.
import time


class Tagged:
    kind = "plain"

    @classmethod
    def rename(cls, kind):
        cls.kind = kind

    def retag(self, kind):
        time.sleep(0.05)
        self.rename(kind)


class Special(Tagged):
    pass


a = Tagged()
b = Tagged()
s = Special()
a.retag("renamed")
time.sleep(0.05)
print(b.kind, s.kind)
Tagged.kind = "base changed"
time.sleep(0.05)
print(s.kind)


class Walker:
    def __init__(self, seed):
        self.pos = seed
        self.history = []

    def step(self):
        self.pos += 1
        self.history.append(self.pos)


w1 = Walker(1)
w2 = Walker(10)
w1.step()
w2.step()
w2.step()
print(w1.history, w2.history)
