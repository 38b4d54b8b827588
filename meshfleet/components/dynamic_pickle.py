"""Keep the Pulumi Python SDK's provider serialization from leaking, one dynamic resource at a time.

``pulumi.dynamic.Resource`` pickles its provider with ``serialize_provider``, which patches
``pickle._Pickler._batch_setitems`` (and ``save_dict``) to sort dictionaries and never restores
them: each call wraps the previous wrapper. In pulumi 3.272.0 one process can therefore serialize
about 486 dynamic providers before every further pickling fails with RecursionError (measured:
``tests/components/test_dynamic_pickle.py``). meshfleet declares one dynamic resource per
cluster (``MeshMembership``), so a fleet of a few hundred clusters, or a test session running
many programs, would hit it. :func:`pickler_restored` puts both methods back after each
registration, which is what the SDK's own ``finally`` means to do.

The SDK internals touched live here only; the test pins that the leak still exists in the
installed SDK (remove this module when it does not).
"""

from __future__ import annotations

import pickle
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


@contextmanager
def pickler_restored() -> Iterator[None]:
    """Run the body (a dynamic resource's registration), then restore the pure-Python pickler's
    dictionary methods the SDK patches."""
    pickler: Any = pickle._Pickler  # the SDK patches the pure-Python pickler
    saved = pickler._batch_setitems, pickler.save_dict
    try:
        yield
    finally:
        pickler._batch_setitems, pickler.save_dict = saved
