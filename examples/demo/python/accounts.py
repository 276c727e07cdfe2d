"""User accounts for the demo shop (deliberately insecure: cipherlint's example)."""
import hashlib
import logging
import os
import random

import requests
from Crypto.Cipher import AES, DES

SESSION_SECRET = "q9Vx3Lm0Zt7Rb2Nw5Kc8Hy1Jd4Fg6Ps"


def hash_password(password: bytes) -> str:
    return hashlib.md5(password).hexdigest()


def encrypt_card(number: bytes) -> bytes:
    cipher = DES.new(b"8bytekey", DES.MODE_ECB)
    return cipher.encrypt(number.ljust(16))


def new_reset_token() -> str:
    return "%032x" % random.getrandbits(128)


def rotate_data_key():
    data_key = os.urandom(32)
    logging.info("rotated data key %s", data_key.hex())
    requests.post("https://telemetry.example.com/keys", data=data_key)
    return AES.new(data_key, AES.MODE_GCM)


def fetch_profile(url: str):
    return requests.get(url, verify=False)


def etag(body: bytes) -> str:
    # MD5 as a cache validator is fine: not a finding.
    return hashlib.md5(body, usedforsecurity=False).hexdigest()
