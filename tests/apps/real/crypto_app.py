"""cryptography's Fernet round trip; ssl with certifi's CA bundle."""
import os
import ssl
import sys

import certifi
from cryptography.fernet import Fernet, InvalidToken

key = Fernet.generate_key()
f = Fernet(key)
token = f.encrypt(b"attack at dawn \xe2\x9c\x93")
print("token differs:", token != b"attack at dawn \xe2\x9c\x93")
print("round trip:", f.decrypt(token).decode("utf-8"))
try:
    Fernet(Fernet.generate_key()).decrypt(token)
    print("wrong key: accepted")
except InvalidToken:
    print("wrong key: InvalidToken")

where = certifi.where()
print("certifi file:", os.path.isfile(where), where.endswith("cacert.pem"))
if getattr(sys, "frozen", False):
    print("certifi in _MEIPASS:", where.startswith(os.path.join(sys._MEIPASS, "")))
with open(where, "rb") as fh:
    pem = fh.read()
print("certifi certs > 100:", pem.count(b"BEGIN CERTIFICATE") > 100)
ctx = ssl.create_default_context(cafile=where)
n = len(ctx.get_ca_certs())
print("ssl ca certs > 100:", n > 100)
print("verify mode:", ctx.verify_mode == ssl.CERT_REQUIRED)
