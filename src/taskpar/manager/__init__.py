"""The manager: what every backend's manager decides (``core``) and says (``texts``)."""

from . import texts
from .core import Assign, Broadcast, ManagerCore, Report, Running

__all__ = ["texts", "ManagerCore", "Assign", "Broadcast", "Report", "Running"]
