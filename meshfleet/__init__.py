"""meshfleet, the library: the fleet spec, the CIDR planner and the Pulumi components.

The pure core (``spec``, ``planner``, ``lock``, ``routes``, ``cidrs``, ``errors``) imports nothing
of Pulumi; the ComponentResources live in ``meshfleet.components``. Importing this package
imports neither, so ``fleetctl plan`` stays light.
"""

__version__ = "0.1.0"
