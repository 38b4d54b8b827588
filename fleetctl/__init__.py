"""fleetctl: the meshfleet operator's CLI (plan, check, diagram)."""

__version__ = "0.1.0"
