"""Connection path (4): the ACK One Fleet's mesh feature, API endpoint and kubeconfig.

pulumi_alicloud's ``ackone.Cluster`` exposes neither the Fleet's mesh feature, nor its public API
endpoint, nor its kubeconfig. The ACK One API (adcp 2022-01-01) does, so ``FleetFeatures`` is a
Pulumi dynamic resource that drives it through the official SDK ``alibabacloud-adcp20220101``
(``meshfleet.components.fleet_features_provider``: which calls it makes, why it cannot bind a
given ASM instance, and the order that keeps a failed call from leaving a protected Fleet). Its
inputs and outputs, as the engine and the policy pack see them, are in ``docs/contracts.md``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi.dynamic as dyn

from meshfleet.components.dynamic_pickle import pickler_restored
from meshfleet.components.fleet_features_provider import (
    FEATURE_DEFAULTS,
    INPUT_KEYS,
    KIND,
    OUTPUT_KEYS,
    REGION_RE,
    REPLACE_KEYS,
    AdcpApiError,
    AdcpClient,
    FleetFeaturesError,
    FleetFeaturesProvider,
    MeshBindingError,
    build_adcp_client,
)
from meshfleet.errors import Problem
from meshfleet.layout import Plan

__all__ = [
    "FEATURE_DEFAULTS",
    "INPUT_KEYS",
    "KIND",
    "OUTPUT_KEYS",
    "REPLACE_KEYS",
    "AdcpApiError",
    "AdcpClient",
    "FleetFeatures",
    "FleetFeaturesArgs",
    "FleetFeaturesError",
    "FleetFeaturesProvider",
    "MeshBindingError",
    "build_adcp_client",
]


@dataclass(frozen=True)
class FleetFeaturesArgs:
    """What to switch on for one ACK One Fleet (its resource inputs: ``docs/contracts.md``)."""

    fleet_id: pulumi.Input[str]
    """The Fleet's id (``ackone.Cluster.id``). Pass the Output so the dependency is recorded."""

    region: str
    """The Fleet's region, e.g. ``cn-hangzhou``: it selects the adcp endpoint. Required."""

    mesh_id: pulumi.Input[str] | None = None
    """An ASM instance the Fleet's mesh must turn out to be bound to; verified, never set (the
    adcp API takes no mesh id), and only with ``enable_mesh``. Default None: the Fleet's own
    mesh is whatever it reports (``boundMeshId``)."""

    enable_mesh: bool = False
    """Turn the Fleet's mesh feature on (``EnableMesh``): mesh mode ``fleet``. Default False
    (mode ``standalone``: meshfleet's own ASM instance, reached through the merged kubeconfig)."""

    public_api_server: bool = False
    """Associate an EIP with the Fleet's API server (``PublicApiServerEnabled``) and export the
    public kubeconfig. Default False: intranet endpoint and intranet kubeconfig (``cen`` mode)."""

    deletion_protection: bool = True
    """Turn on the Fleet's deletion protection. Default True; deleting this resource turns it off
    again, so ``pulumi destroy`` can still delete the Fleet afterwards."""

    api_server_eip_id: pulumi.Input[str] | None = None
    """An existing EIP for the public endpoint (``ApiServerEipId``); only with
    ``public_api_server``. Default None: the service allocates one."""

    @classmethod
    def from_plan(cls, plan: Plan, fleet_id: pulumi.Input[str]) -> FleetFeaturesArgs:
        """The features ``plan``'s Fleet needs: its own mesh only in mesh mode ``fleet``, the
        public endpoint only in ``public`` mode, deletion protection as the spec says."""
        return cls(
            fleet_id=fleet_id,
            region=plan.fleet.region,
            enable_mesh=plan.spec.mesh.mode == "fleet",
            public_api_server=plan.spec.connectivity == "public",
            deletion_protection=plan.spec.fleet.deletion_protection,
        )

    def __post_init__(self) -> None:
        problems: list[Problem] = []
        for name in ("fleet_id", "mesh_id"):
            value = getattr(self, name)
            if name == "mesh_id" and value is None:
                continue
            if value is None or (isinstance(value, str) and not value.strip()):
                problems.append(Problem(name, value, "must be an id or an Output of one"))
        if self.mesh_id is not None and not self.enable_mesh:
            problems.append(
                Problem("mesh_id", self.mesh_id, "is verified only with enable_mesh=True")
            )
        if not isinstance(self.region, str) or not REGION_RE.match(self.region):
            problems.append(
                Problem("region", self.region, "must be a region id like 'cn-hangzhou'")
            )
        for name in ("enable_mesh", "public_api_server", "deletion_protection"):
            if not isinstance(getattr(self, name), bool):
                problems.append(Problem(name, getattr(self, name), "must be True or False"))
        if self.api_server_eip_id is not None and not self.public_api_server:
            problems.append(
                Problem("api_server_eip_id", self.api_server_eip_id, "needs public_api_server=True")
            )
        if problems:
            raise FleetFeaturesError(problems)


class FleetFeatures(dyn.Resource):
    """The Fleet's mesh feature, API endpoint, deletion protection and kubeconfig.

    Registers as ``pulumi-python:dynamic:Resource`` with the inputs ``docs/contracts.md``
    describes. Give it ``opts.depends_on`` every ``ackone.MembershipAttachment`` of the Fleet: the
    mesh must be enabled after the clusters joined. ``fleet_id`` and ``mesh_id`` carry their own
    dependencies.
    """

    kubeconfig: pulumi.Output[str]
    """The Fleet's kubeconfig, intranet unless ``public_api_server``. Secret."""

    boundMeshId: pulumi.Output[str]  # camelCase: dynamic outputs keep their property names
    """The ASM instance id the Fleet reports (``""`` when the mesh feature is off)."""

    apiServerEndpoint: pulumi.Output[str]
    """The Fleet API server endpoint matching the kubeconfig (intranet or public)."""

    def __init__(
        self, name: str, args: FleetFeaturesArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        props: dict[str, Any] = {
            "kind": KIND,
            "fleetId": args.fleet_id,
            "regionId": args.region,
            "meshId": args.mesh_id,  # None is dropped from the inputs
            "enableMesh": args.enable_mesh,
            "publicApiServerEnabled": args.public_api_server,
            "deletionProtection": args.deletion_protection,
            "privateKubeconfig": not args.public_api_server,
            "apiServerEipId": args.api_server_eip_id,  # None is dropped from the inputs
            # Outputs only: None inputs are not sent, but declaring them creates the attributes.
            "kubeconfig": None,
            "boundMeshId": None,
            "apiServerEndpoint": None,
        }
        # The engine encrypts kubeconfig in the state; the Python attribute is marked secret too
        # so that anything derived from it (the merged kubeconfig) stays secret in every run.
        secret_opts = pulumi.ResourceOptions(additional_secret_outputs=["kubeconfig"])
        with pickler_restored():  # the SDK's provider pickling must not leak
            super().__init__(
                FleetFeaturesProvider(),
                name,
                props,
                pulumi.ResourceOptions.merge(opts, secret_opts),
            )
        self.kubeconfig = pulumi.Output.secret(self.kubeconfig)
