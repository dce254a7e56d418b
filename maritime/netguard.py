"""Check that nothing leaves the machine: record every outbound connection or name lookup.

maritime's promise is that its only network peer is the local model endpoint. :func:`watch_outbound`
installs a ``sys.audit`` hook (it cannot be removed: use it in a process of its own) that reports each
connection to, or name lookup of, a host other than the loopback interface. The tests and
``benchmarks/bench_app.py`` run the ingest, the search, the app and its API client under it.

>>> outbound_attempt("socket.connect", (None, ("192.0.2.1", 443)))
'connect 192.0.2.1'
>>> outbound_attempt("socket.getaddrinfo", (b"localhost", 80)) is None
True
"""

from __future__ import annotations

import socket
import sys
from collections.abc import Callable
from typing import Any

#: Hosts that stay on this machine.
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "::1", "localhost"})


def outbound_attempt(event: str, args: tuple[Any, ...]) -> str | None:
    """``"connect HOST"`` or ``"resolve HOST"`` when an audit event leaves the machine, else None.

    Unix sockets (a path) and lookups of no host or of the loopback names stay on the machine.
    """
    if event == "socket.connect":
        address = args[1]
        host = address[0] if isinstance(address, tuple) else str(address)
        if str(host) not in LOOPBACK_HOSTS and not str(host).startswith("/"):
            return f"connect {host}"
    elif event == "socket.getaddrinfo":
        host = args[0].decode() if isinstance(args[0], bytes) else args[0]
        if host is not None and host not in LOOPBACK_HOSTS:
            return f"resolve {host}"
    return None


def watch_outbound(record: Callable[[str], None]) -> None:
    """Call ``record`` with each outbound attempt made by this process from now on."""

    def hook(event: str, args: tuple[Any, ...]) -> None:
        attempt = outbound_attempt(event, args)
        if attempt is not None:
            record(attempt)

    sys.addaudithook(hook)


def free_loopback_port() -> int:
    """A TCP port free on 127.0.0.1 right now (for a test or benchmark server)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
