"""Entry point run by `pulumi preview --policy-pack policies`: build and serve the pack."""

from meshfleet_policies import build_pack

build_pack()
