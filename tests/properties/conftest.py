"""Shared hypothesis settings of the property tests: derandomized and bounded for CI.

``PROPERTY_EXAMPLES=5000 PROPERTY_RANDOM=1`` explores further (docs/reliability.md).
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "properties",
    max_examples=int(os.environ.get("PROPERTY_EXAMPLES", "100")),
    deadline=None,
    database=None,
    derandomize=not os.environ.get("PROPERTY_RANDOM"),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
PROPERTIES = settings.get_profile("properties")
