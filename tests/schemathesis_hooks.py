"""Hooks of the schemathesis runs in msgen's tests (tests/schemathesis.toml loads them)."""

import re
import uuid

import schemathesis

# What the generated services take as an `Idempotency-Key` (their OpenAPI documents say so).
VALID_KEY = re.compile(r"[!-~]{1,255}")


@schemathesis.hook
def before_call(ctx, case, **kwargs):
    """Gives every request that carries a valid `Idempotency-Key` a key of its own.

    A key names one request: the service answers a second request with the key of the first
    from the first's stored answer, or refuses it (422) when the request differs. schemathesis
    draws header values from a few characters, so the requests of a run would share keys by
    chance, and those answers, right by the document, would read as failures. Invalid keys are
    sent as drawn: they must be refused with 400. So are the keys of negative cases, which the
    service refuses whatever their key (and an edit of such a case makes schemathesis judge it
    again, as a positive one when its headers alone are valid: a case without its required
    `Authorization` would be sent with it). The generated services' own tests send keys again
    on purpose.
    """
    if case.meta is not None and case.meta.generation.mode.is_negative:
        return
    key = (case.headers or {}).get("Idempotency-Key")
    if isinstance(key, str) and VALID_KEY.fullmatch(key):
        case.headers["Idempotency-Key"] = str(uuid.uuid4())
