"""The corpus programs are Pulumi programs, not test modules: --doctest-modules must not import
them."""

collect_ignore_glob = ["corpus/*"]
