"""meshfleet's library: the fleet spec, the CIDR planner and the Pulumi components."""
