"""The guarded outbound HTTP client: ``GuardedClient``, ``FetchResult``, ``FetchError``.

Modules: ``client`` (GuardedClient: schemes, redirects, timeouts, size cap), ``addresses`` (the IANA
special-purpose registries and which addresses may be fetched from), ``pinning`` (the transport that
resolves a name once, checks every address and connects to a checked one), ``errors`` (FetchError).
"""

from app.http_client.client import FetchResult, GuardedClient, is_valid_url
from app.http_client.errors import FetchError

__all__ = ["FetchError", "FetchResult", "GuardedClient", "is_valid_url"]
