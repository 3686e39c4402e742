"""A second, independent reader of Envelope v1, written from docs/envelope-v1.md alone.

Usage: python3 open-envelope-v1.py envelope-v1.json
Needs Python 3 and the `cryptography` package. Prints one JSON object: for each vector, the text it read
as the recipient and as the sender, and whether its additional data and signed bytes matched the ones
the vector file records. envelope-v1.test.ts runs it and compares with the texts in the file.
"""

import base64
import hashlib
import json
import struct
import sys

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

AAD_LABEL = b"ringpost/envelope/v1/aad"
SIGNED_LABEL = b"ringpost/envelope/v1/signed"
PADDED_BYTES = 1024
MAX_TEXT_BYTES = 1022


def b64url(text):
    # Unpadded base64url (RFC 4648 section 5); refuse the standard alphabet and padding.
    if any(c in text for c in "+/="):
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def field(data):
    return struct.pack(">I", len(data)) + data


def encode(label, fields):
    return field(label) + b"".join(field(f) for f in fields)


def header_fields(env):
    return [
        struct.pack(">Q", env["v"]),
        b64url(env["id"]),
        env["from"].encode("utf-8"),
        env["to"].encode("utf-8"),
        struct.pack(">Q", env["ts"]),
    ]


def additional_data(env):
    return encode(AAD_LABEL, header_fields(env))


def signed_bytes(env):
    return encode(
        SIGNED_LABEL,
        header_fields(env)
        + [
            bytes.fromhex(env["kid"]["from"]),
            bytes.fromhex(env["kid"]["to"]),
            b64url(env["iv"]),
            b64url(env["ct"]),
            b64url(env["wk"]["to"]),
            b64url(env["wk"]["from"]),
        ],
    )


def open_envelope(env, private_key, sender_public_key, as_who):
    sender_public_key.verify(
        b64url(env["sig"]),
        signed_bytes(env),
        padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32),
        hashes.SHA256(),
    )
    wrapped = b64url(env["wk"]["to" if as_who == "recipient" else "from"])
    key = private_key.decrypt(
        wrapped,
        padding.OAEP(mgf=padding.MGF1(algorithm=hashes.SHA256()), algorithm=hashes.SHA256(), label=None),
    )
    if len(key) != 32:
        raise ValueError("not an AES-256 key")
    padded = AESGCM(key).decrypt(b64url(env["iv"]), b64url(env["ct"]), additional_data(env))
    if len(padded) != PADDED_BYTES:
        raise ValueError("padded block of the wrong size")
    (length,) = struct.unpack(">H", padded[:2])
    if length > MAX_TEXT_BYTES or any(padded[2 + length :]):
        raise ValueError("bad padding")
    return padded[2 : 2 + length].decode("utf-8", errors="strict")


def main(path):
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    keys = data["keys"]
    results = []
    for vector in data["vectors"]:
        env = vector["envelope"]
        sender, recipient = keys[env["from"]], keys[env["to"]]
        # The key ids are the SHA-256 of each SPKI; check them before trusting the keys.
        for person in (sender, recipient):
            if hashlib.sha256(b64url(person["spki"])).hexdigest() != person["fingerprint"]:
                raise ValueError("fingerprint does not match its SPKI")
        if env["kid"] != {"from": sender["fingerprint"], "to": recipient["fingerprint"]}:
            raise ValueError("kid does not name the keys")
        sender_public = serialization.load_der_public_key(b64url(sender["spki"]))
        result = {
            "name": vector["name"],
            "additionalDataMatches": additional_data(env).hex() == vector["additionalDataHex"],
            "signedBytesMatch": hashlib.sha256(signed_bytes(env)).hexdigest() == vector["signedBytesSha256"],
        }
        for as_who, person in (("recipient", recipient), ("sender", sender)):
            private = serialization.load_der_private_key(b64url(person["pkcs8"]), password=None)
            result[as_who] = open_envelope(env, private, sender_public, as_who)
        # A flipped bit anywhere must fail the signature.
        tampered = dict(env, ts=env["ts"] + 1)
        try:
            open_envelope(tampered, private, sender_public, "sender")
            result["tamperRefused"] = False
        except InvalidSignature:
            result["tamperRefused"] = True
        results.append(result)
    print(json.dumps({"cryptography": __import__("cryptography").__version__, "vectors": results}))


if __name__ == "__main__":
    main(sys.argv[1])
