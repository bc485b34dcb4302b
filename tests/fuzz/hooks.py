"""schemathesis hooks for tests/fuzz/test_schemathesis.py (loaded with SCHEMATHESIS_HOOKS).

A schema-valid Idempotency-Key the fuzzer generated is made new for each request. The
fuzzer draws the same few keys ("0", "00") for different bodies, and this API answers a
key reused with another body 422 `idempotency_key_reused` (the IETF idempotency-key
draft's status), which is right and not what the fuzz run is for; reuse and replay
are proved in tests/resilience/test_idempotency_key.py. A key that breaks the header's
schema is left as drawn.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

import schemathesis

VALID_KEY = re.compile(r"[!-~]{1,255}")


@schemathesis.hook
def before_call(context: Any, case: Any, kwargs: dict[str, Any]) -> None:
    for name, value in list((case.headers or {}).items()):
        if name.lower() == "idempotency-key" and VALID_KEY.fullmatch(str(value)):
            case.headers[name] = uuid.uuid4().hex
