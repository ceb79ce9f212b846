"""Property-based fuzzing of every mounted endpoint with hypothesis.

Generated requests (method, content type, body, path parameter, query string, Authorization
header) must keep the rules of :func:`tests.hostile.checks.assert_sane` and create no user.

The run is derandomized and bounded (``FUZZ_EXAMPLES`` examples per endpoint, 40 by default)
so CI is reproducible; set ``FUZZ_EXAMPLES=2000 FUZZ_RANDOM=1`` to explore further.
"""

from __future__ import annotations

import json
import os
from typing import Any
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.hostile.conftest import CONTENT_TYPES, METHODS, Credentials, Probe, user_count
from tests.hostile.corpus import FIELDS
from tests.hostile.endpoints import Endpoint, mounted_endpoints

ENDPOINTS = mounted_endpoints()

FUZZ = settings(
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "40")),
    deadline=None,
    database=None,
    derandomize=not os.environ.get("FUZZ_RANDOM"),
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,  # the fixtures are reused on purpose: state must hold up
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)

#: Text that can travel in a URL (lone surrogates cannot be percent-encoded as UTF-8).
url_text = st.text(st.characters(exclude_categories=("Cs",)), max_size=80)

json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=200),
)
json_values = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=12,
)
#: Objects whose keys are the fields the endpoints read, with values of any JSON type.
field_objects = st.dictionaries(st.sampled_from(FIELDS) | st.text(max_size=12), json_values, max_size=6)


def _dump(value: Any, ascii_only: bool) -> bytes:
    return json.dumps(value, ensure_ascii=ascii_only).encode("utf-8", "surrogatepass")


bodies = st.one_of(
    st.builds(_dump, field_objects, st.booleans()),
    st.builds(_dump, json_values, st.booleans()),
    st.binary(max_size=300),
    st.text(max_size=300).map(lambda text: text.encode("utf-8", "surrogatepass")),
    st.just(b""),
)

authorization_kinds = st.one_of(
    st.sampled_from(["none", "valid", "valid-jwt"]),
    st.tuples(
        st.sampled_from(["Bearer", "JWT", "Basic", ""]),
        st.text(st.characters(max_codepoint=255), max_size=200),
    ),
)


def authorization(kind: Any, credentials: Credentials) -> str | None:
    if kind == "none":
        return None
    if kind in ("valid", "valid-jwt"):
        if not credentials.alive():
            credentials.renew()  # an earlier example logged out: that is allowed
        return credentials.bearer if kind == "valid" else f"JWT {credentials.pair['access']}"
    scheme, token = kind
    return f"{scheme} {token}" if scheme else token


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=str)
def test_fuzz_endpoint(endpoint: Endpoint, probe: Probe, credentials: Credentials) -> None:
    aliases = st.sampled_from(["mp", "web", "oa", credentials.public_id]) | url_text.filter(bool)

    @FUZZ
    @given(
        method=st.sampled_from(METHODS),
        content_type=st.sampled_from(CONTENT_TYPES),
        body=bodies,
        params=st.fixed_dictionaries(dict.fromkeys(endpoint.params, aliases)),
        query=st.dictionaries(url_text, url_text, max_size=4),
        auth=authorization_kinds,
    )
    def sweep(
        method: str,
        content_type: str | None,
        body: bytes,
        params: dict[str, str],
        query: dict[str, str],
        auth: Any,
    ) -> None:
        path = endpoint.path(**params)
        if query:
            path += "?" + urlencode(query)
        probe(method, path, body, content_type, authorization(auth, credentials))

    users = user_count()
    sweep()
    assert user_count() == users
