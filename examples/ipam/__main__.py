"""The meshfleet stack program, run for the IPAM example stack: ../../__main__.py itself (its
lock is ../../locks/ipam.json, which locks/ here links to)."""

import runpy
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
runpy.run_path(str(ROOT / "__main__.py"), run_name="__main__")
