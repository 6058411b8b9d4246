"""The client's address as the deployment's own proxies report it (PROTOCOL section 5).

`X-Forwarded-For` is written by whoever sends the request, so it only counts when the
connection comes from one of `TRUSTED_PROXIES`; then the right-most address that is not a
trusted proxy is the client (each proxy appends the address it received the request from,
so everything to the left of that may be made up). Every throttle and the sign-in lockout
key on this, so rotating the header buys an attacker nothing.
"""

import ipaddress
from functools import lru_cache

from django.conf import settings

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def _networks(entries: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(entry.strip(), strict=False) for entry in entries if entry)


def trusted_networks() -> tuple[Network, ...]:
    return _networks(tuple(settings.TRUSTED_PROXIES))


def _parse(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(value.strip().strip("[]"))
    except ValueError:
        return None


def _trusted(address, networks: tuple[Network, ...]) -> bool:
    return address is not None and any(address in network for network in networks)


def client_address(meta) -> str:
    """The client address of a request (`request.META`): REMOTE_ADDR, or with a trusted
    proxy in front, the right-most untrusted hop of its `X-Forwarded-For`."""
    remote = meta.get("REMOTE_ADDR") or ""
    networks = trusted_networks()
    if not networks or not _trusted(_parse(remote), networks):
        return remote
    nearest = remote
    for hop in reversed(meta.get("HTTP_X_FORWARDED_FOR", "").split(",")):
        address = _parse(hop)
        if address is None:
            # Garbage where an address belongs: all we know is the last proxy we trust.
            return nearest
        if not _trusted(address, networks):
            return str(address)
        nearest = str(address)
    return nearest
