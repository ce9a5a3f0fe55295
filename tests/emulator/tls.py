"""Certificate authority and server certificate generated at start, so clients trust the emulator
through REQUESTS_CA_BUNDLE / SSL_CERT_FILE exactly as they trust any private CA."""
import datetime
import ipaddress
import os

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


def _name(cn):
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def ensure_certificates(directory):
    """Create (or reuse) ``ca.pem``, ``server.pem`` and ``server.key`` in ``directory``.

    Returns ``(ca_file, cert_file, key_file)`` as absolute paths."""
    directory = os.path.abspath(directory)
    os.makedirs(directory, exist_ok=True)
    ca_file = os.path.join(directory, "ca.pem")
    cert_file = os.path.join(directory, "server.pem")
    key_file = os.path.join(directory, "server.key")
    if all(os.path.exists(p) for p in (ca_file, cert_file, key_file)):
        return ca_file, cert_file, key_file

    now = datetime.datetime.now(datetime.timezone.utc)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(_name("m365.exo_automation emulator CA"))
        .issuer_name(_name("m365.exo_automation emulator CA"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True, content_commitment=False, key_encipherment=False,
                data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=True,
                encipher_only=False, decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name("127.0.0.1"))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=825))
        .add_extension(
            x509.SubjectAlternativeName([
                x509.DNSName("localhost"),
                x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
            ]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    with open(key_file, "wb") as f:
        f.write(key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ))
    with open(cert_file, "wb") as f:
        f.write(cert.public_bytes(serialization.Encoding.PEM))
    with open(ca_file, "wb") as f:
        f.write(ca_cert.public_bytes(serialization.Encoding.PEM))
    return ca_file, cert_file, key_file


ADMIN_CERT_FILE = "admin-cert.pem"
ADMIN_PASSWORD_FILE = "admin-cert.password"
FEDERATION_KEY_FILE = "federation-issuer.key"
FEDERATED_TOKEN_FILE = "admin-federated-token"


def ensure_admin_certificate(directory, subject="exo-automation-admin"):
    """Create (or reuse) the seeded admin's sign-in certificate in ``directory``.

    ``admin-cert.pem`` holds the private key (PKCS#8, encrypted with the password in ``admin-cert.password``)
    followed by the self-signed certificate (RSA 2048): the file azure-identity's ``CertificateCredential``
    reads with ``certificate_path`` and ``password``. Returns a dict with ``path``, ``password``,
    ``thumbprint`` (SHA-1, upper-case hex), ``thumbprint_sha256`` and ``der`` (the certificate, DER bytes)."""
    from cryptography.hazmat.primitives.asymmetric import rsa

    directory = os.path.abspath(directory)
    os.makedirs(directory, exist_ok=True)
    path = os.path.join(directory, ADMIN_CERT_FILE)
    password_file = os.path.join(directory, ADMIN_PASSWORD_FILE)
    cert = None
    if os.path.exists(path) and os.path.exists(password_file):
        with open(password_file, encoding="ascii") as f:
            password = f.read().strip()
        with open(path, "rb") as f:
            data = f.read()
        try:
            serialization.load_pem_private_key(data, password.encode())
            cert = x509.load_pem_x509_certificate(data)
        except (ValueError, TypeError):
            cert = None  # unreadable leftovers: make a new pair
    if cert is None:
        import secrets

        password = secrets.token_urlsafe(24)
        now = datetime.datetime.now(datetime.timezone.utc)
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        cert = (
            x509.CertificateBuilder()
            .subject_name(_name(subject))
            .issuer_name(_name(subject))
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=365))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=True, content_commitment=False, key_encipherment=True,
                    data_encipherment=False, key_agreement=False, key_cert_sign=False, crl_sign=False,
                    encipher_only=False, decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
            .sign(key, hashes.SHA256())
        )
        pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(password.encode()),
        ) + cert.public_bytes(serialization.Encoding.PEM)
        _write_private(password_file, password.encode())
        _write_private(path, pem)
    return {
        "path": path,
        "password": password,
        "thumbprint": cert.fingerprint(hashes.SHA1()).hex().upper(),  # noqa: S303 - the x5t thumbprint is SHA-1
        "thumbprint_sha256": cert.fingerprint(hashes.SHA256()).hex().upper(),
        "der": cert.public_bytes(serialization.Encoding.DER),
        "not_before": cert.not_valid_before_utc.timestamp(),
        "not_after": cert.not_valid_after_utc.timestamp(),
        "subject": cert.subject.rfc4514_string(),
    }


def ensure_federation_key(directory):
    """Create (or reuse) the RSA key the emulator signs federated (workload identity) tokens with."""
    from cryptography.hazmat.primitives.asymmetric import rsa

    directory = os.path.abspath(directory)
    os.makedirs(directory, exist_ok=True)
    path = os.path.join(directory, FEDERATION_KEY_FILE)
    if os.path.exists(path):
        with open(path, "rb") as f:
            try:
                return serialization.load_pem_private_key(f.read(), None)
            except (ValueError, TypeError):
                pass
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    _write_private(path, key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ))
    return key


def _write_private(path, data):
    """Write ``data`` to ``path`` readable by the owner only, replacing any older file atomically."""
    tmp = path + ".tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.replace(tmp, path)
