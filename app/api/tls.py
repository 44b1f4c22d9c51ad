"""How the client decides whom to trust: the OS trust store, or exactly one PEM file.

Without ``ca_bundle`` the operating system's own store is used (through ``truststore``: the
Windows certificate store, the macOS keychain, the distribution's CA file on Linux), so a
company root CA that IT installed on the machine just works, as it does for browsers and pip.
``ca_bundle`` names a PEM file whose CAs are trusted instead (a server behind a private CA on
a machine IT does not manage). Either way verification and host-name checks stay on: there is
no setting that turns them off.
"""

from __future__ import annotations

import ssl
from pathlib import Path

import truststore


def tls_context(ca_bundle: str | Path | None = None) -> ssl.SSLContext:
    """A client context that verifies the server's certificate and host name.

    Raises ValueError when ``ca_bundle`` is given but is not a file.
    """
    if ca_bundle is None:
        context: ssl.SSLContext = truststore.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    else:
        path = Path(ca_bundle)
        if not path.is_file():
            raise ValueError(f"The CA bundle {path} does not exist or is not a file.")
        context = ssl.create_default_context(cafile=str(path))
    # Both constructors already do this; said again so that no later change can quietly drop it.
    context.verify_mode = ssl.CERT_REQUIRED
    context.check_hostname = True
    return context
