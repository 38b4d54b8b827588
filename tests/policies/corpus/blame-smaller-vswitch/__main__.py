import pulumi_alicloud as alicloud

vpc = alicloud.vpc.Network("net", cidr_block="10.140.0.0/16")
alicloud.vpc.Switch("z-shared", vpc_id=vpc.id, zone_id="cn-hangzhou-h", cidr_block="10.140.0.0/20")
alicloud.vpc.Switch("a-apps", vpc_id=vpc.id, zone_id="cn-hangzhou-h", cidr_block="10.140.4.0/24")
