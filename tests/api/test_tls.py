"""TLS verification is on, and a custom CA bundle makes a private certificate acceptable."""

from __future__ import annotations

import http.server
import shutil
import ssl
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import truststore

from app.api import ApiClient, TokenStore, errors
from app.api.tls import tls_context

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="needs openssl")


class _Health(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b'{"status":"ok"}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """An HTTPS server on 127.0.0.1 with a self-signed certificate; yields (url, cert)."""
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-days",
            "1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
        ],
        check=True,
        capture_output=True,
    )
    httpd = http.server.HTTPServer(("127.0.0.1", 0), _Health)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"https://127.0.0.1:{httpd.server_address[1]}", cert
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_untrusted_certificate_is_refused_with_a_hint(tls_server: tuple[str, Path]) -> None:
    url, _ = tls_server
    client = ApiClient(url, TokenStore(url))
    try:
        with pytest.raises(errors.Unreachable) as info:
            client.login("emp1@example.com", "Employee1234!")
        assert info.value.may_have_reached is False
        assert "CA bundle" in info.value.user_message
    finally:
        client.close()


def test_custom_ca_bundle_is_trusted(tls_server: tuple[str, Path]) -> None:
    url, cert = tls_server
    client = ApiClient(url, TokenStore(url), ca_bundle=cert)
    try:
        assert client.health() is True
    finally:
        client.close()


# --- a company CA: in the explicit bundle, or in the OS trust store -------------------------


def _openssl(*args: str) -> None:
    subprocess.run(["openssl", *args], check=True, capture_output=True)


@pytest.fixture(scope="module")
def ca_signed_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """An HTTPS server on 127.0.0.1 whose certificate a separate CA signed; yields (url, CA)."""
    folder = tmp_path_factory.mktemp("ca")
    ca_key, ca_cert = folder / "ca.key", folder / "ca.pem"
    key, csr, cert = folder / "server.key", folder / "server.csr", folder / "server.pem"
    ec = ("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes")
    _openssl("req", "-x509", *ec, "-days", "1", "-keyout", str(ca_key), "-out", str(ca_cert),
             "-subj", "/CN=Timetray Test Company Root CA")  # fmt: skip
    _openssl("req", "-new", *ec, "-keyout", str(key), "-out", str(csr), "-subj", "/CN=127.0.0.1")
    ext = folder / "ext.cnf"
    ext.write_text("subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n")
    _openssl("x509", "-req", "-in", str(csr), "-CA", str(ca_cert), "-CAkey", str(ca_key),
             "-CAcreateserial", "-days", "1", "-out", str(cert), "-extfile", str(ext))  # fmt: skip
    httpd = http.server.HTTPServer(("127.0.0.1", 0), _Health)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"https://127.0.0.1:{httpd.server_address[1]}", ca_cert
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_a_server_signed_by_the_bundles_ca_is_trusted(
    ca_signed_server: tuple[str, Path],
) -> None:
    url, ca = ca_signed_server
    client = ApiClient(url, TokenStore(url), ca_bundle=ca)
    try:
        assert client.health() is True
    finally:
        client.close()


def test_the_same_server_without_its_ca_is_refused(ca_signed_server: tuple[str, Path]) -> None:
    url, _ = ca_signed_server
    client = ApiClient(url, TokenStore(url))
    try:
        assert client.health() is False
    finally:
        client.close()


@pytest.mark.skipif(sys.platform != "linux", reason="the OS store is a file only on Linux")
def test_a_ca_in_the_os_trust_store_is_trusted_without_a_bundle(
    ca_signed_server: tuple[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """On Linux the OS store is OpenSSL's CA file, which SSL_CERT_FILE points elsewhere: as if
    IT had installed the company CA on this machine."""
    url, ca = ca_signed_server
    monkeypatch.setenv("SSL_CERT_FILE", str(ca))
    client = ApiClient(url, TokenStore(url))
    try:
        assert client.health() is True
    finally:
        client.close()


@pytest.mark.parametrize("bundle", [False, True])
def test_verification_is_on_whatever_is_trusted(tmp_path: Path, bundle: bool) -> None:
    pem = None
    if bundle:
        pem = tmp_path / "ca.pem"
        _openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                 "-nodes", "-days", "1", "-keyout", str(tmp_path / "k"), "-out", str(pem),
                 "-subj", "/CN=x")  # fmt: skip
    context = tls_context(pem)
    assert context.verify_mode == ssl.CERT_REQUIRED
    assert context.check_hostname is True
    assert isinstance(context, truststore.SSLContext) is not bundle


def test_a_missing_bundle_is_an_error_not_a_silent_fallback(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="does not exist"):
        ApiClient("https://hr.example.com", ca_bundle=tmp_path / "gone.pem")
