"""`make dev`: the whole Parley stack on one machine, and the same stack for system tests."""

from parley_devstack.config import DevSettings
from parley_devstack.ports import PortInUseError
from parley_devstack.processes import ProcessGroup
from parley_devstack.running import RunningStack, running_stack
from parley_devstack.stack import ProcessSpec, StackPlan, prepare_stack

__all__ = [
    "DevSettings",
    "PortInUseError",
    "ProcessGroup",
    "ProcessSpec",
    "RunningStack",
    "StackPlan",
    "prepare_stack",
    "running_stack",
]
