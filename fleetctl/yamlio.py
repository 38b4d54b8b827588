"""Reading YAML and JSON input files the way Pulumi's parser does: a duplicated key is an error.

PyYAML keeps the last of two equal keys, so a cluster copied and not renamed silently replaced
the first one; Pulumi's YAML parser refuses the file. These readers refuse it too, naming the
file, the line and the key.

>>> import tempfile, pathlib
>>> path = pathlib.Path(tempfile.mkdtemp()) / "Pulumi.dev.yaml"
>>> _ = path.write_text("config:\\n  a: 1\\n  a: 2\\n")
>>> load_yaml(path)  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
fleetctl.yamlio.DuplicateKeyError: .../Pulumi.dev.yaml:3: duplicate key 'a' (first at line 2)
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from fleetctl.errors import InputError


class DuplicateKeyError(InputError):
    """A mapping with the same key twice."""


class _UniqueKeyLoader(yaml.SafeLoader):
    """SafeLoader that refuses a key a mapping already has."""


def _construct_mapping(
    loader: _UniqueKeyLoader, node: yaml.MappingNode, deep: bool = False
) -> dict[Any, Any]:
    loader.flatten_mapping(node)
    seen: dict[Any, int] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=True)
        line = key_node.start_mark.line + 1
        if key in seen:
            raise DuplicateKeyError(
                f"{loader.name}:{line}: duplicate key {key!r} (first at line {seen[key]})"
            )
        seen[key] = line
    return loader.construct_mapping(node, deep=deep)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def load_yaml(path: Path) -> Any:
    """The document in ``path``; InputError when it cannot be read, is not YAML or repeats a key."""
    try:
        text = path.read_text()
    except OSError as exc:
        raise InputError(f"{path}: {exc.strerror or exc}") from exc
    loader = _UniqueKeyLoader(text)
    loader.name = str(path)
    try:
        return loader.get_single_data()
    except yaml.YAMLError as exc:
        raise InputError(f"{path}: not valid YAML: {exc}") from exc
    finally:
        loader.dispose()


def load_json(path: Path) -> Any:
    """The JSON document in ``path``, refusing duplicated keys as :func:`load_yaml` does."""
    try:
        text = path.read_text()
    except OSError as exc:
        raise InputError(f"{path}: {exc.strerror or exc}") from exc

    def unique(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in pairs:
            if key in out:
                raise DuplicateKeyError(f"{path}: duplicate key {key!r}")
            out[key] = value
        return out

    try:
        return json.loads(text, object_pairs_hook=unique)
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}: not valid JSON: {exc}") from exc
