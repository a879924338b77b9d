"""VMs as declared resources: specs, the shared planner, and the provider contract."""

from dockyard.vm.base import Progress, Provider, open_provider
from dockyard.vm.plan import VmChange, VmOp, plan_vm
from dockyard.vm.spec import OWNER, SshAddress, VmSpec, VmState

__all__ = [
    "OWNER",
    "Progress",
    "Provider",
    "SshAddress",
    "VmChange",
    "VmOp",
    "VmSpec",
    "VmState",
    "open_provider",
    "plan_vm",
]
