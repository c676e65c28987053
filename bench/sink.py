"""An SMTP server that accepts every message and discards it, noting only its Message-ID (one line each).

Run as its own process (``python -m bench.sink PORT RECORD_FILE``) so that it never shares an interpreter with
what it measures. SIGTERM stops it.
"""

import re
import signal
import sys
import threading

from aiosmtpd.controller import Controller

_MESSAGE_ID = re.compile(rb"^Message-ID:\s*(<[^>\r\n]+>)", re.IGNORECASE | re.MULTILINE)


class DiscardingHandler:
    def __init__(self, record):
        self.record = record

    async def handle_DATA(self, server, session, envelope):
        head = envelope.content.split(b"\r\n\r\n", 1)[0]
        found = _MESSAGE_ID.search(head)
        self.record.write((found.group(1) if found else b"<none>") + b"\n")
        return "250 OK"


def main() -> None:
    port, path = int(sys.argv[1]), sys.argv[2]
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    with open(path, "ab", buffering=0) as record:
        controller = Controller(DiscardingHandler(record), hostname="127.0.0.1", port=port, data_size_limit=0)
        controller.start()
        print(f"sink listening on 127.0.0.1:{port}", flush=True)
        stop.wait()
        controller.stop()


if __name__ == "__main__":
    main()
