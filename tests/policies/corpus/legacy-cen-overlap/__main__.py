import pulumi_alicloud as alicloud

cen = alicloud.cen.Instance("cen")
for name in ("erp", "crm"):
    vpc = alicloud.vpc.Network(name, cidr_block="172.16.0.0/16")
    alicloud.cen.InstanceAttachment(
        f"{name}-attach",
        instance_id=cen.id,
        child_instance_id=vpc.id,
        child_instance_type="VPC",
        child_instance_region_id="cn-hangzhou",
    )
