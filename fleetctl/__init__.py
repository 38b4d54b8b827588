"""fleetctl: the meshfleet operator's CLI (plan, check, diagram)."""
