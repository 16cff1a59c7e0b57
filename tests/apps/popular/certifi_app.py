"""certifi: its CA bundle by path, loaded by OpenSSL (C code opening the
file) and read by Python."""
import os
import ssl

import certifi

where = certifi.where()
context = ssl.create_default_context(cafile=where)
print(os.path.basename(where), context.cert_store_stats()["x509_ca"] > 100)
with open(where, encoding="ascii") as bundle:
    print(bundle.read().count("BEGIN CERTIFICATE") > 100)
print(len(certifi.contents()) > 1000)
