"""One webhook attempt over HTTP(S), made safe to point at any URL an admin typed:
the host is resolved first and refused when any of its addresses is private, loopback,
link-local (cloud metadata), reserved or multicast, unless MODERATION_WEBHOOK_PRIVATE
allows an intranet CMS; the connection goes to the very address that was checked (a
second DNS answer cannot swap it); no redirect is followed; only the status code is kept,
never the receiver's body."""
import http.client
import ipaddress
import socket
import ssl
from functools import cache
from urllib.parse import urlsplit


def is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if ip.version == 6 and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def post(url: str, body: bytes, headers: dict[str, str], timeout: float,
         allow_private: bool = False) -> tuple[int | None, str]:
    """POST body; (status code, "") on a 2xx answer, (code or None, why) otherwise."""
    parts = urlsplit(url)
    https = parts.scheme == "https"
    host, port = parts.hostname or "", parts.port or (443 if https else 80)
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        return None, f"cannot resolve {host}: {exc}"[:500]
    addresses = sorted({info[4][0] for info in found})
    private = [a for a in addresses if not is_public(a)]
    if private and not allow_private:
        return None, (f"refused: {host} resolves to a private or local address ({private[0]}); "
                      "set MODERATION_WEBHOOK_PRIVATE=1 for an intranet CMS")
    connection_class = _PinnedTLS if https else _Pinned
    connection = connection_class(host, port, addresses[0], timeout)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        connection.request("POST", target, body, headers)
        status = connection.getresponse().status
    except (OSError, http.client.HTTPException) as exc:
        return None, f"{type(exc).__name__}: {exc}"[:500]
    finally:
        connection.close()
    if 200 <= status < 300:
        return status, ""
    return status, f"HTTP {status}" + (" (redirects are not followed)" if 300 <= status < 400 else "")


class _Pinned(http.client.HTTPConnection):
    """Connects to `address`, sends the URL's host as Host."""

    def __init__(self, host: str, port: int, address: str, timeout: float):
        super().__init__(host, port, timeout=timeout)
        self.address = address

    def connect(self):
        self.sock = socket.create_connection((self.address, self.port), self.timeout)


class _PinnedTLS(http.client.HTTPSConnection):
    """Connects to `address`, checks the certificate against the URL's host."""

    def __init__(self, host: str, port: int, address: str, timeout: float):
        super().__init__(host, port, timeout=timeout, context=_tls())
        self.address = address

    def connect(self):
        sock = socket.create_connection((self.address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


@cache
def _tls() -> ssl.SSLContext:
    return ssl.create_default_context()
