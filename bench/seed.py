"""Seeds a payment service through its API (bench/runtime.sh): the same rows for every service.

    python3 seed.py BASE_URL COUNT

With TOKEN in the environment, every request carries it as a bearer token.

Creates COUNT payments for 50 orders (the row i pays order i % 50 + 1, so each order has
COUNT / 50 payments), checks each answer, and prints the id of the first one.
"""

import http.client
import json
import os
import sys
import urllib.parse
import uuid

base, count = sys.argv[1], int(sys.argv[2])
url = urllib.parse.urlsplit(base)
conn = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
first = None
for i in range(count):
    body = {
        "order_id": str(uuid.UUID(int=i % 50 + 1)),
        "amount": f"{10 + i % 90}.{i % 100:02d}",
        "currency": "EUR",
        "customer_email": f"customer{i}@example.com",
        "note": None if i % 2 else f"seed row {i}",
    }
    headers = {"Content-Type": "application/json"}
    if os.environ.get("TOKEN"):
        headers["Authorization"] = "Bearer " + os.environ["TOKEN"]
    conn.request("POST", url.path + "/payments", json.dumps(body), headers)
    answer = conn.getresponse()
    data = answer.read()
    if answer.status != 201:
        sys.exit(f"seeding {base}: {answer.status} {data!r}")
    if first is None:
        first = json.loads(data)["id"]
print(first)
