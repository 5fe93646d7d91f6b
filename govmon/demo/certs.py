"""Certificates made on the spot (``cryptography``) for https servers on loopback: a
sample CA and leaf certificates that are valid, expired, for another name, self-signed or
about to expire. Used by ``govmon demo`` (its HTTPS examples) and by the tests; nothing
here is trusted by anything but the caller who passes the CA file on (``tls_ca_file``)."""

from __future__ import annotations

import ipaddress
import ssl
import tempfile
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


def _name(common: str, org: str = "govmon 示例") -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, org),
                      x509.NameAttribute(NameOID.COMMON_NAME, common)])


def _san(names: list[str]) -> x509.SubjectAlternativeName:
    out: list[x509.GeneralName] = []
    for n in names:
        try:
            out.append(x509.IPAddress(ipaddress.ip_address(n)))
        except ValueError:
            out.append(x509.DNSName(n))
    return x509.SubjectAlternativeName(out)


@dataclass
class Issued:
    cert_pem: bytes
    key_pem: bytes

    def context(self) -> ssl.SSLContext:
        """A server context presenting this certificate."""
        folder = Path(tempfile.mkdtemp(prefix="govmon-tls-"))
        (folder / "cert.pem").write_bytes(self.cert_pem)
        (folder / "key.pem").write_bytes(self.key_pem)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(folder / "cert.pem", folder / "key.pem")
        return ctx


class SampleCA:
    """A CA for loopback servers; ``issue`` signs leaves, ``self_signed`` makes one that
    no CA signed."""

    def __init__(self, common: str = "govmon 示例证书颁发机构"):
        self.key = ec.generate_private_key(ec.SECP256R1())
        now = datetime.now(timezone.utc)
        self.name = _name(common)
        self.cert = (x509.CertificateBuilder().subject_name(self.name).issuer_name(self.name)
                     .public_key(self.key.public_key()).serial_number(x509.random_serial_number())
                     .not_valid_before(now - timedelta(days=1))
                     .not_valid_after(now + timedelta(days=3650))
                     .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
                     .sign(self.key, hashes.SHA256()))

    @property
    def pem(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.PEM)

    def write(self, path: Path) -> Path:
        path.write_bytes(self.pem)
        return path

    def issue(self, names: list[str], *, days: float = 365, start_days_ago: float = 1,
              common: str | None = None) -> Issued:
        """A leaf for ``names`` (DNS names or IP addresses) valid from ``start_days_ago``
        days ago for ``days`` days (negative: already expired)."""
        return self._leaf(names, days, start_days_ago, common, self.name, self.key)

    def self_signed(self, names: list[str], days: float = 365) -> Issued:
        return self._leaf(names, days, 1, None, None, None)

    def _leaf(self, names: list[str], days: float, start_days_ago: float, common: str | None,
              issuer: x509.Name | None, issuer_key: ec.EllipticCurvePrivateKey | None) -> Issued:
        key = ec.generate_private_key(ec.SECP256R1())
        subject = _name(common or names[0], "govmon 示例网站")
        now = datetime.now(timezone.utc)
        start = now - timedelta(days=start_days_ago)
        cert = (x509.CertificateBuilder().subject_name(subject)
                .issuer_name(issuer or subject).public_key(key.public_key())
                .serial_number(x509.random_serial_number())
                .not_valid_before(start)
                .not_valid_after(start + timedelta(days=start_days_ago + days))
                .add_extension(_san(names), False)
                .sign(issuer_key or key, hashes.SHA256()))
        return Issued(cert.public_bytes(serialization.Encoding.PEM),
                      key.private_bytes(serialization.Encoding.PEM,
                                        serialization.PrivateFormat.PKCS8,
                                        serialization.NoEncryption()))
