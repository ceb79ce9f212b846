"""Run every benchmark under bench/ one after the other and print their tables.

Each script is self-contained (``python bench/<name>.py``); this runner only sequences them so that
``make bench`` reproduces every figure in docs/benchmarks.md in one go.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    failures = 0
    for script in sorted(HERE.glob("bench_*.py")):
        print(f"\n=== {script.name} ===", flush=True)
        result = subprocess.run([sys.executable, str(script)], check=False)
        failures += result.returncode != 0
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
