"""FunctionBench-style AES: encrypts then decrypts a message with AES-256 (python3-cryptography), `rounds` times.

Arguments (JSON payload, all optional):
  size    message bytes; integer 1-268435456 (256 MiB), default 1048576 (1 MiB)
  rounds  encrypt+decrypt round trips; integer 1-1000, default 10
  mode    "ctr" or "gcm"; default "ctr"
  seed    seed of the message, the key and the nonces; integer 0-4294967295, default 42

Key and nonces come from sha256 of the seed (round r uses its own nonce); every round's decryption must give the
message back. Returns {"size", "rounds", "mode", "ciphertext_bytes", "sha256"}: the sha256 covers every round's
ciphertext (with its tag in GCM).
"""
import hashlib
import random

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

ARGS = ("size", "rounds", "mode", "seed")
MODES = ("ctr", "gcm")


def _args(args):
    if args is None:
        args = {}
    if not isinstance(args, dict):
        raise ValueError(f"payload must be a JSON object, got {type(args).__name__}")
    unknown = sorted(set(args) - set(ARGS))
    if unknown:
        raise ValueError(f"unknown argument {unknown[0]!r}; expected {', '.join(ARGS)}")
    return args


def _int(args, name, default, lo, hi):
    value = args.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise ValueError(f"{name} must be an integer {lo}-{hi}, got {value!r}")
    return value


def _round_trip(key, nonce, mode, message):
    if mode == "ctr":
        ciphertext = Cipher(algorithms.AES(key), modes.CTR(nonce)).encryptor().update(message)
        plaintext = Cipher(algorithms.AES(key), modes.CTR(nonce)).decryptor().update(ciphertext)
        return ciphertext, plaintext
    encryptor = Cipher(algorithms.AES(key), modes.GCM(nonce[:12])).encryptor()
    ciphertext = encryptor.update(message) + encryptor.finalize()
    decryptor = Cipher(algorithms.AES(key), modes.GCM(nonce[:12], encryptor.tag)).decryptor()
    plaintext = decryptor.update(ciphertext) + decryptor.finalize()  # finalize checks the tag
    return ciphertext + encryptor.tag, plaintext


def handle(args):
    args = _args(args)
    size = _int(args, "size", 1 << 20, 1, 256 << 20)
    rounds = _int(args, "rounds", 10, 1, 1000)
    seed = _int(args, "seed", 42, 0, 2**32 - 1)
    mode = args.get("mode", "ctr")
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}, got {mode!r}")
    message = random.Random(seed).randbytes(size)
    key = hashlib.sha256(b"fb-aes key %d" % seed).digest()
    digest = hashlib.sha256()
    for r in range(rounds):
        nonce = hashlib.sha256(b"fb-aes nonce %d %d" % (seed, r)).digest()[:16]
        ciphertext, plaintext = _round_trip(key, nonce, mode, message)
        if plaintext != message:
            raise RuntimeError(f"round {r}: decryption did not give the message back")
        digest.update(ciphertext)
    return {"size": size, "rounds": rounds, "mode": mode, "ciphertext_bytes": len(ciphertext),
            "sha256": digest.hexdigest()}
