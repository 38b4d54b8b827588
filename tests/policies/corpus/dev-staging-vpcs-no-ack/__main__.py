import pulumi
import pulumi_alicloud as alicloud

config = pulumi.Config()
zone = alicloud.get_zones(available_resource_creation="VSwitch").zones[0].id

for env in config.require_object("environments"):
    vpc = alicloud.vpc.Network(f"{env}-vpc", vpc_name=env, cidr_block="192.168.0.0/16")
    app = alicloud.vpc.Switch(
        f"{env}-app", vpc_id=vpc.id, cidr_block="192.168.1.0/24", zone_id=zone
    )
    alicloud.vpc.NatGateway(
        f"{env}-nat",
        vpc_id=vpc.id,
        vswitch_id=app.id,
        nat_type="Enhanced",
        payment_type="PayAsYouGo",
    )
    alicloud.ecs.SecurityGroup(f"{env}-sg", vpc_id=vpc.id, security_group_name=f"{env}-app")
