"""Time-ordered request ids in the UUIDv7 layout (RFC 9562).

An id is 48 bits of Unix time in milliseconds, the version nibble ``7``, a 12-bit counter,
the variant bits ``10`` and 62 random bits, rendered as the canonical 36-character lowercase
UUID string. Ids sort by time as strings, the inference log finds an id's date partition
from the id alone (:func:`request_id_time_ms`), and ids from different processes differ in
their random bits.

Within one process ids are strictly increasing: the counter (RFC 9562 "method 1") orders ids
of the same millisecond, and a clock that steps back does not reorder them.

>>> rid = new_request_id()
>>> len(rid), rid[14]
(36, '7')
>>> request_id_time_ms("00000000-0000-4000-8000-000000000000") is None
True
"""

from __future__ import annotations

import os
import re
import secrets
import threading
import time

__all__ = ["new_request_id", "request_id_time_ms"]

_COUNTER_BITS = 12
_COUNTER_MAX = (1 << _COUNTER_BITS) - 1
_COUNTER_START_MAX = 1 << (_COUNTER_BITS - 1)  # a random start leaves half the range to count
_V7 = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$", re.I)

_lock = threading.Lock()
_last_ms = 0
_counter = 0


def _reset_after_fork() -> None:
    global _lock  # noqa: PLW0603 - a lock held by another thread at fork time is unusable
    _lock = threading.Lock()


os.register_at_fork(after_in_child=_reset_after_fork)


def _next_time_and_counter() -> tuple[int, int]:
    global _last_ms, _counter  # noqa: PLW0603 - one process-wide sequence
    now_ms = time.time_ns() // 1_000_000
    with _lock:
        if now_ms > _last_ms:
            _last_ms = now_ms
            _counter = secrets.randbelow(_COUNTER_START_MAX)
        else:  # same millisecond, or the clock stepped back: count on from the last id
            _counter += 1
            if _counter > _COUNTER_MAX:
                _last_ms += 1
                _counter = secrets.randbelow(_COUNTER_START_MAX)
        return _last_ms, _counter


def new_request_id() -> str:
    """A new time-ordered request id (UUIDv7 string), e.g. ``01890a5d-ac96-774b-bcce-...``."""
    ms, counter = _next_time_and_counter()
    random_bits = int.from_bytes(os.urandom(8)) & ((1 << 62) - 1)
    value = (ms << 80) | (0x7 << 76) | (counter << 64) | (0b10 << 62) | random_bits
    h = f"{value:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def request_id_time_ms(request_id: str) -> int | None:
    """The Unix time in milliseconds embedded in a UUIDv7 id; None for any other string.

    >>> request_id_time_ms("01890a5d-ac96-774b-bcce-b302099a8057")
    1688096058518
    """
    if not isinstance(request_id, str) or not _V7.match(request_id):
        return None
    return int(request_id[:8] + request_id[9:13], 16)
