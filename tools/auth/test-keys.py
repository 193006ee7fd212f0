#!/usr/bin/env python3
"""Writes templates/service/tests/api/service/keys.rs.tera: two signing keys per algorithm family, for the
tests a generated service runs against its own token checks. The keys sign only test tokens and
are trusted only by the tests' own key set. Run it to renew them (needs `cryptography`)."""
import base64
import pathlib

from cryptography.hazmat.primitives import serialization as s
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa


def b64u(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def big(n: int) -> bytes:
    return n.to_bytes((n.bit_length() + 7) // 8, "big")


def hex_lines(data: bytes) -> str:
    text = data.hex()
    chunks = [text[i : i + 88] for i in range(0, len(text), 88)]
    return "concat!(\n" + "".join(f'    "{c}",\n' for c in chunks) + ")"


def public_pem(key) -> str:
    return key.public_key().public_bytes(s.Encoding.PEM, s.PublicFormat.SubjectPublicKeyInfo).decode()


def constant(name: str, literal: str) -> str:
    """A `&str` constant laid out as rustfmt lays it out."""
    line = f"pub const {name}: &str = {literal};"
    if len(line) <= 100 or len(literal) + 5 > 100:
        return line
    return f"pub const {name}: &str =\n    {literal};"


def family(alg, make, private, jwk):
    out = []
    for label in ["A", "B"]:
        key = make()
        if label == "A":
            out.append("/// Test key A, which the service trusts: the private key, DER, in hex.")
        else:
            out.append("/// Test key B, which the service does not trust: the private key, DER, in hex.")
        out.append(f"pub const PRIVATE_{label}: &str = {hex_lines(private(key))};")
        if label == "B":
            continue
        pem = public_pem(key).strip().replace("\n", "\\n")
        out.append('{%- if auth.keys == "jwks" %}')
        out.append("/// Its public key as a JSON Web Key (without `kid` and `use`).")
        out.append(constant("JWK_A", f'r#"{jwk(key)}"#'))
        out.append("{%- else %}")
        out.append("/// Its public key, PEM.")
        out.append(constant("PEM_A", f'"{pem}\\n"'))
        out.append("{%- endif %}")
    return out


def rsa_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def rsa_private(key):
    return key.private_bytes(s.Encoding.DER, s.PrivateFormat.TraditionalOpenSSL, s.NoEncryption())


def rsa_jwk(key):
    n = key.public_key().public_numbers()
    return f'{{"kty":"RSA","n":"{b64u(big(n.n))}","e":"{b64u(big(n.e))}"}}'


def ec_key():
    return ec.generate_private_key(ec.SECP256R1())


def pkcs8(key):
    return key.private_bytes(s.Encoding.DER, s.PrivateFormat.PKCS8, s.NoEncryption())


def ec_jwk(key):
    n = key.public_key().public_numbers()
    return f'{{"kty":"EC","crv":"P-256","x":"{b64u(n.x.to_bytes(32, "big"))}","y":"{b64u(n.y.to_bytes(32, "big"))}"}}'


def ed_jwk(key):
    raw = key.public_key().public_bytes(s.Encoding.Raw, s.PublicFormat.Raw)
    return f'{{"kty":"OKP","crv":"Ed25519","x":"{b64u(raw)}"}}'


families = [
    ("rsa", "RS256", rsa_key, rsa_private, rsa_jwk),
    ("ec", "ES256", ec_key, pkcs8, ec_jwk),
    ("ed", "EdDSA", ed25519.Ed25519PrivateKey.generate, pkcs8, ed_jwk),
]
lines = [
    "{{ header }}",
    "//! Keys that sign the tests' tokens. They are trusted only by the key set the tests serve",
    "//! themselves, never by a deployed service.",
    "",
]
first = True
for _, alg, make, private, jwk in families:
    keyword = "if" if first else "elif"
    lines.append(f'{{%- {keyword} test_algorithm == "{alg}" %}}')
    first = False
    lines.extend(family(alg, make, private, jwk))
lines.append("{%- endif %}")
target = pathlib.Path(__file__).resolve().parents[2] / "templates/service/tests/api/service/keys.rs.tera"
target.write_text("\n".join(lines) + "\n")
print(target)
