"""python -m tests.cloud up | down | status | start SERVICE... | stop SERVICE...

`up` sets the test cloud up the first time (apt + state, ~6 min) and starts it (~40 s
later on); a cloud started here stays up until `down` (test sessions leave it running).
"""

from __future__ import annotations

import sys
import time

from tests.cloud import SERVICES, Cloud, CloudError


def main(argv: list[str]) -> int:
    cloud = Cloud()
    command, services = (argv[0], argv[1:]) if argv else ("status", [])
    started = time.monotonic()
    try:
        if command == "up":
            print("started" if cloud.up() else "already running", end="")
        elif command == "down":
            cloud.down()
            print("stopped", end="")
        elif command in ("start", "stop") and services:
            getattr(cloud, command)(*services)
            print(f"{command}: {' '.join(services)}", end="")
        elif command == "status":
            for service in SERVICES:
                print(f"{service:15} {cloud.pid(service) or '-'}")
            return 0 if cloud.is_running() else 1
        else:
            print(__doc__, file=sys.stderr)
            return 2
    except CloudError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(f" in {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
