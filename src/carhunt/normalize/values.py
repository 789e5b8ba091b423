"""Value rules that SQL cannot express well, run once per distinct value."""

from __future__ import annotations

import ipaddress
from functools import lru_cache

import pyarrow as pa
import pyarrow.compute as pc


@lru_cache(maxsize=65536)
def canonical_ip(text: str) -> str:
    """Return an IP address in one canonical text form.

    IPv6 is written as RFC 5952 says (``0:0:0:0:0:0:0:1`` becomes ``::1``) and an
    IPv4-mapped IPv6 address as plain IPv4. Text that is not an address is
    returned stripped but otherwise as it was, so nothing is lost.
    """
    stripped = text.strip().strip("[]")
    try:
        address = ipaddress.ip_address(stripped)
    except ValueError:
        return stripped
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return str(address.ipv4_mapped)
    return str(address)


def canonical_ip_array(values: pa.Array) -> pa.Array:
    """Apply :func:`canonical_ip` to an Arrow array, once per distinct value."""
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    distinct = pc.unique(values)
    mapped = pa.array(
        [None if value is None else canonical_ip(value) for value in distinct.to_pylist()],
        pa.string(),
    )
    return pc.take(mapped, pc.index_in(values, value_set=distinct))
