"""meshfleet's Pulumi ComponentResources: one per file (network, cluster, fleet, mesh, cen,
meshfleet), plus the dynamic resources and helpers they need."""
