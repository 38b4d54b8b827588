import pulumi
import pulumi_alicloud as alicloud

cfg = pulumi.Config()
alicloud.cs.ManagedKubernetes(
    "tenant",
    cluster_spec="ack.pro.small",
    vswitch_ids=cfg.require_object("vswitchIds"),
    pod_cidr="172.20.0.0/16",
    service_cidr="192.168.0.0/20",
    node_cidr_mask=26,
    slb_internet_enabled=False,
    deletion_protection=True,
)
