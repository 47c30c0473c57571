"""Launched mode: what each rank is running, in memory the launcher shares.

A rank's ``StatementStarted`` / ``StatementReport`` / ``LoopBlock`` go to
rank 0, which forwards them to the launcher between its back-off sleeps.
When a rank dies, Hydra kills rank 0 within a millisecond, often before it
forwarded the dead rank's last records: the launcher would name a statement
the rank had finished long before. So every rank also writes its current
statement into its slot of a small file the launcher creates in its private
directory and maps (``MAP_SHARED``); after a death the launcher reads the
slot, which no longer changes. A write is one ``pack_into`` (well under a
microsecond), no system call.

Slot of rank k (``SLOT``): stmt + 1 (0: between statements), then the
iterations first, last, total of a split loop's block (total 0: none).
"""

from __future__ import annotations

import mmap
import os
import struct

__all__ = ["Beacons", "FILENAME"]

FILENAME = "beacons"

SLOT = struct.Struct("qqqq")


class Beacons:
    """The slots of every rank over one shared mapping."""

    def __init__(self, mapping: mmap.mmap):
        self.mapping = mapping

    @classmethod
    def create(cls, directory: str, ranks: int) -> "Beacons":
        """The launcher's: a zeroed file of ``ranks`` slots (before mpiexec starts)."""
        fd = os.open(os.path.join(directory, FILENAME), os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.ftruncate(fd, SLOT.size * ranks)
            return cls(mmap.mmap(fd, SLOT.size * ranks))
        finally:
            os.close(fd)

    @classmethod
    def open(cls, directory: str) -> "Beacons | None":
        """A rank's (None if the launcher made none)."""
        try:
            fd = os.open(os.path.join(directory, FILENAME), os.O_RDWR)
        except OSError:
            return None
        try:
            return cls(mmap.mmap(fd, 0))
        finally:
            os.close(fd)

    def started(self, rank: int, stmt: int) -> None:
        SLOT.pack_into(self.mapping, rank * SLOT.size, stmt + 1, 0, 0, 0)

    def block(self, rank: int, first: int, last: int, total: int) -> None:
        struct.pack_into("qqq", self.mapping, rank * SLOT.size + 8, first, last, total)

    def reported(self, rank: int) -> None:
        SLOT.pack_into(self.mapping, rank * SLOT.size, 0, 0, 0, 0)

    def read(self, rank: int) -> tuple[int | None, tuple[int, int, int] | None]:
        """(statement or None, (first, last, total) or None) of ``rank``."""
        if (rank + 1) * SLOT.size > len(self.mapping):
            return None, None
        stmt, first, last, total = SLOT.unpack_from(self.mapping, rank * SLOT.size)
        return (stmt - 1 if stmt else None), ((first, last, total) if total else None)

    def close(self) -> None:
        self.mapping.close()
