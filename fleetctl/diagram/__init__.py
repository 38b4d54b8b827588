"""``fleetctl diagram``: the topology and the address space of a stack, as SVG and PNG.

    python -m fleetctl diagram                         # stack example -> out/diagram/example/
    python -m fleetctl diagram --stack prod --out DIR
    python -m fleetctl diagram --stack prod --region cn-beijing   # one region of a large fleet
    python -m fleetctl diagram --stack prod --no-paths            # without paths (1)-(3)
    make diagram                                       # refresh the committed docs/ pictures

Input is the plan (``meshfleet.planner``) of the stack's ``meshfleet:fleet`` config and lock,
exactly what the program deploys. Two pictures:

* ``topology``: regions, VPCs with CIDRs, ACK clusters (CNI, pod, Service and node CIDRs), the
  ACK One Fleet, the ASM mesh, CEN transit routers with their VPC attachments and the full mesh
  of peer attachments (or the public endpoints), and the numbered connection paths of the
  requirement document: (1) Fleet -> member API servers, (2) members -> Fleet API server,
  (3) mesh -> member API servers, (4) one kubeconfig with a Fleet and a mesh context.
  Readable up to about 30 clusters; beyond, draw one region at a time or hide the paths.
* ``address-space``: each pool with what is allocated in it by kind (VPC, Flannel pod CIDR,
  Service CIDR) and its utilisation, then each VPC with its vSwitches by role.

The topology is laid out first (``topology.layout``: boxes, labels, orthogonal lines, checked by
``geometry.problems``), then drawn (``render``). SVG text stays text and no file carries a date.
"""

from fleetctl.diagram.cli import draw_address_space, draw_topology, register, run, write_all

__all__ = ["draw_address_space", "draw_topology", "register", "run", "write_all"]
