"""meshfleet, the library: the fleet spec, the CIDR planner and the Pulumi components.

The pure core imports nothing of Pulumi, and data flows one way through it: ``spec`` (parse and
validate, into the ``specmodel`` types) -> ``lock`` -> ``planner`` (with ``buddy`` allocation and
``routes`` aggregates, into the ``layout`` types); ``pipeline`` runs the three steps for a stack,
``notices`` words what to tell the user, ``cidrs`` is the one CIDR validator and ``errors`` the
exception hierarchy. The ComponentResources live in ``meshfleet.components`` and read the plan.
Importing this package imports neither, so ``fleetctl plan`` stays light.
"""

__version__ = "0.1.0"
