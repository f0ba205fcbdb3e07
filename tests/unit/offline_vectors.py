#!/usr/bin/env python3
"""An independent implementation of the xe2e offline construction
(xe2e(7) OFFLINE MESSAGES, common/state/offline.h) and of the signed-prekey
signature (common/state/bundle.h), on pyca/cryptography, printing fixed vectors
for tests/unit/test_offline.c and tests/unit/test_bundle.c."""
import hashlib, hmac, struct
from cryptography.hazmat.primitives.asymmetric import ec, x25519
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

def lp16(b): return struct.pack(">H", len(b)) + b
def be32(v): return struct.pack(">I", v)
def be64(v): return struct.pack(">Q", v)

def x_priv(seed):
    return x25519.X25519PrivateKey.from_private_bytes(hashlib.sha256(seed).digest())
def x_pub(k):
    return k.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
def x_raw(k):
    return k.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                           serialization.NoEncryption())
def p_priv(seed):
    d = int.from_bytes(hashlib.sha256(seed).digest(), "big") % (2**256 - 2**224 + 2**192 + 2**96 - 1)
    return ec.derive_private_key(d, ec.SECP256R1())
def p_pub(k):
    return k.public_key().public_bytes(serialization.Encoding.X962,
                                       serialization.PublicFormat.UncompressedPoint)
def p_scalar(k): return k.private_numbers().private_value.to_bytes(32, "big")
def fpr(k):
    spki = k.public_key().public_bytes(serialization.Encoding.DER,
                                       serialization.PublicFormat.SubjectPublicKeyInfo)
    return hashlib.sha256(spki).digest()
def sign(k, msg):
    r, s = decode_dss_signature(k.sign(msg, ec.ECDSA(hashes.SHA256())))
    return r.to_bytes(32, "big") + s.to_bytes(32, "big")

class SymmetricState:
    def __init__(self, name):
        n = name.encode()
        self.h = n + bytes(32 - len(n)) if len(n) <= 32 else hashlib.sha256(n).digest()
        self.ck = self.h
        self.k = None
        self.n = 0
    def mix_hash(self, data):
        self.h = hashlib.sha256(self.h + data).digest()
    def hkdf2(self, ikm):
        t = hmac.new(self.ck, ikm, hashlib.sha256).digest()
        o1 = hmac.new(t, b"\x01", hashlib.sha256).digest()
        o2 = hmac.new(t, o1 + b"\x02", hashlib.sha256).digest()
        return o1, o2
    def mix_key(self, ikm):
        self.ck, self.k = self.hkdf2(ikm)
        self.n = 0
    def encrypt_and_hash(self, pt):
        nonce = bytes(4) + struct.pack("<Q", self.n)
        ct = ChaCha20Poly1305(self.k).encrypt(nonce, pt, self.h)
        self.n += 1
        self.mix_hash(ct)
        return ct

def hkdf(ikm, info, n):
    prk = hmac.new(bytes(32), ikm, hashlib.sha256).digest()
    out, t, i = b"", b"", 1
    while len(out) < n:
        t = hmac.new(prk, t + info + bytes([i]), hashlib.sha256).digest()
        out += t; i += 1
    return out[:n]

NAME = "xe2e offline v1 25519 ChaChaPoly SHA256"
ALICE, BOB = b"alice@capulet.lit", b"bob@montague.lit"
NOW = 1750000000

alice_id = p_priv(b"alice identity"); bob_id = p_priv(b"bob identity")
dk_a = x_priv(b"alice device"); dk_b = x_priv(b"bob device")
spk = x_priv(b"bob spk"); opk = x_priv(b"bob opk"); ek = x_priv(b"alice ek")
r0 = x_priv(b"alice r0")
a_dev_id = bytes.fromhex("a1a2a3a4"); a_created = NOW - 1000; a_expires = a_created + 730 * 86400
binding_msg = (lp16(b"xe2e device-binding v1") + lp16(ALICE) + lp16(a_dev_id) +
               lp16(x_pub(dk_a)) + be64(a_created) + be64(a_expires))
binding_sig = sign(alice_id, binding_msg)
SPK_ID, OPK_ID = 0x11223344, 0x55667788
payload = b"<message-frame>Hello, Bob!</message-frame>"
# The envelope's associated data of <message type='chat' id='m1'> (envelope.h).
AD = (lp16(b"xe2e stanza v1") + lp16(b"message") + b"\x01" + lp16(b"chat") + b"\x01" +
      lp16(b"m1") + lp16(ALICE) + lp16(BOB))

def dh(a, pub): return a.exchange(x25519.X25519PublicKey.from_public_bytes(pub))

def initial(use_opk):
    ss = SymmetricState(NAME)
    head = bytes([1, 1, 1 if use_opk else 0]) + be32(SPK_ID)
    opk_part = b"\x00"
    if use_opk:
        head += be32(OPK_ID)
        opk_part = b"\x01" + be32(OPK_ID) + x_pub(opk)
    head += x_pub(ek)
    ss.mix_hash(lp16(ALICE) + lp16(BOB) + fpr(bob_id) + x_pub(dk_b) + be32(SPK_ID) +
                x_pub(spk) + opk_part)
    ss.mix_hash(AD)
    ss.mix_hash(x_pub(ek))
    ss.mix_key(dh(ek, x_pub(spk)))
    if use_opk:
        ss.mix_key(dh(ek, x_pub(opk)))
    ss.mix_key(dh(ek, x_pub(dk_b)))
    cred = (b"\x01" + x_pub(dk_a) + p_pub(alice_id) + a_dev_id + be64(a_created) +
            be64(a_expires) + binding_sig)
    assert len(cred) == 182
    c1 = ss.encrypt_and_hash(cred)
    ss.mix_key(dh(dk_a, x_pub(spk)))
    ss.mix_key(dh(dk_a, x_pub(dk_b)))
    c2 = ss.encrypt_and_hash(x_pub(r0) + payload)
    return {
        "msg": head + c1 + c2,
        "root": hkdf(ss.ck, b"xe2e offline root v1", 32),
        "chain": hkdf(ss.ck, b"xe2e offline chain v1", 32),
        "sid": hkdf(ss.ck, b"xe2e offline session id v1", 16),
        "h": ss.h,
    }

def c_str(name, b, width=76):
    h = b.hex()
    lines = [h[i:i + width] for i in range(0, len(h), width)]
    print("static const char %s[] =" % name)
    for i, l in enumerate(lines):
        print('\t"%s"%s' % (l, ";" if i == len(lines) - 1 else ""))

print("/* offline vector */")
c_str("v_bob_id_pub", p_pub(bob_id))
c_str("v_bob_fpr", fpr(bob_id))
c_str("v_bob_dk_priv", x_raw(dk_b))
c_str("v_spk_priv", x_raw(spk))
c_str("v_opk_priv", x_raw(opk))
c_str("v_alice_id_pub", p_pub(alice_id))
c_str("v_alice_fpr", fpr(alice_id))
c_str("v_alice_dk_pub", x_pub(dk_a))
c_str("v_r0_pub", x_pub(r0))
c_str("v_ad", AD)
for use_opk in (True, False):
    v = initial(use_opk)
    sfx = "opk" if use_opk else "noopk"
    c_str("v_msg_" + sfx, v["msg"])
    c_str("v_root_" + sfx, v["root"])
    c_str("v_chain_" + sfx, v["chain"])
    c_str("v_sid_" + sfx, v["sid"])
    c_str("v_hash_" + sfx, v["h"])

print("/* signed prekey vector */")
spk_created, spk_expires = NOW, NOW + 30 * 86400
spk_msg = (lp16(b"xe2e signed-prekey v1") + lp16(BOB) + lp16(bytes.fromhex("b1b2b3b4")) +
           be32(SPK_ID) + lp16(x_pub(spk)) + be64(spk_created) + be64(spk_expires))
c_str("s_id_pub", p_pub(bob_id))
c_str("s_spk_pub", x_pub(spk))
c_str("s_sig", sign(bob_id, spk_msg))
print("/* created %d expires %d */" % (spk_created, spk_expires))
