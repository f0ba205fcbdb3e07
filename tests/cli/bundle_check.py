#!/usr/bin/env python3
"""Checks a prekey bundle independently of xe2e (pyca/cryptography), from
what xe2e(7) and xe2e-keygen(1) say about it.

usage: bundle_check.py BUNDLE.xml [FINGERPRINT]

A full bundle is checked on its own; a minimal one needs the identity
fingerprint (64 hex digits, spaces allowed) to open its sealed identity key.
Prints "form", "jid", "device", "spk" (id), "spk-created", "spk-expires"
and one "prekey ID" line per one-time prekey; exits 1 when any check fails.
"""
import base64
import hashlib
import struct
import sys
import warnings
import xml.etree.ElementTree as ET

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography import x509

NS = "{urn:xe2e:1}"

# mbedTLS writes a NULL parameter in the ECDSA AlgorithmIdentifier, which
# pyca/cryptography accepts with a warning; the key is what is checked here.
warnings.filterwarnings("ignore", message=".*NULL parameter.*")


def lp16(b):
    return struct.pack(">H", len(b)) + b


def b64(text, n=None):
    raw = base64.b64decode(text, validate=True)
    if n is not None and len(raw) != n:
        raise ValueError("%d bytes, want %d" % (len(raw), n))
    return raw


def verify(pub, sig, msg, what):
    r, s = int.from_bytes(sig[:32], "big"), int.from_bytes(sig[32:], "big")
    key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), pub)
    try:
        key.verify(encode_dss_signature(r, s), msg, ec.ECDSA(hashes.SHA256()))
    except Exception:
        sys.exit("bundle_check: the %s signature does not verify" % what)


def fingerprint(pub):
    key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), pub)
    spki = key.public_bytes(serialization.Encoding.DER,
                            serialization.PublicFormat.SubjectPublicKeyInfo)
    return hashlib.sha256(spki).digest()


def open_identity(el, jid, device, fpr):
    salt = b64(el.get("salt"), 16)
    key = HKDF(hashes.SHA256(), 32, salt, b"xe2e bundle identity v1").derive(fpr)
    pub = ChaCha20Poly1305(key).decrypt(bytes(12), b64(el.text, 81),
                                        lp16(jid) + device)
    if fingerprint(pub) != fpr:
        sys.exit("bundle_check: the sealed identity has another fingerprint")
    return pub


def main():
    root = ET.parse(sys.argv[1]).getroot()
    if root.tag != NS + "bundle" or root.get("version") != "1":
        sys.exit("bundle_check: not a version 1 bundle")
    jid = root.get("jid").encode()
    device = bytes.fromhex(root.get("device"))
    form = root.get("form")
    if form == "full":
        id_pub = b64(root.find(NS + "identity").text, 65)
        dev = root.find(NS + "device")
        dk = b64(dev.get("key"), 32)
        created, expires = int(dev.get("created")), int(dev.get("expires"))
        verify(id_pub, b64(dev.text, 64),
               lp16(b"xe2e device-binding v1") + lp16(jid) + lp16(device) + lp16(dk) +
               struct.pack(">QQ", created, expires), "device binding")
        cert = root.find(NS + "certificate")
        if cert is not None:
            c = x509.load_der_x509_certificate(b64(cert.text))
            pub = c.public_key().public_bytes(serialization.Encoding.X962,
                                              serialization.PublicFormat.UncompressedPoint)
            if pub != id_pub:
                sys.exit("bundle_check: the certificate holds another key")
    elif form == "minimal":
        if root.find(NS + "identity") is not None or root.find(NS + "device") is not None:
            sys.exit("bundle_check: a minimal bundle with the identity or device key")
        fpr = bytes.fromhex(sys.argv[2].replace(" ", ""))
        id_pub = open_identity(root.find(NS + "identity-sealed"), jid, device, fpr)
    else:
        sys.exit("bundle_check: unknown form")
    spk = root.find(NS + "signed-prekey")
    spk_id = int(spk.get("id"), 16)
    created, expires = int(spk.get("created")), int(spk.get("expires"))
    verify(id_pub, b64(spk.text, 64),
           lp16(b"xe2e signed-prekey v1") + lp16(jid) + lp16(device) +
           struct.pack(">I", spk_id) + lp16(b64(spk.get("key"), 32)) +
           struct.pack(">QQ", created, expires), "signed prekey")
    print("form: %s\njid: %s\ndevice: %s" % (form, jid.decode(), device.hex()))
    print("spk: %08x\nspk-created: %d\nspk-expires: %d" % (spk_id, created, expires))
    for pk in root.findall(NS + "prekey"):
        b64(pk.text, 32)
        print("prekey %s %s" % (pk.get("id"), pk.get("expires")))


main()
