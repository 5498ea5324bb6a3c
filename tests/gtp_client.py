"""A minimal GTP client for the engines the tests talk to (GNU Go as a referee)."""

from __future__ import annotations

import subprocess

from gocnn.go import coords
from gocnn.go.board import BLACK, WHITE

COLOR = {BLACK: "black", WHITE: "white"}


class Gtp:
    """A minimal GTP client for one engine process."""

    def __init__(self, argv: list[str]):
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL, text=True, bufsize=1)

    def send(self, command: str) -> str:
        """The reply's text; raises RuntimeError on a ``?`` failure reply."""
        self.proc.stdin.write(command + "\n")
        self.proc.stdin.flush()
        lines = []
        while True:
            line = self.proc.stdout.readline()
            if not line:
                raise RuntimeError(f"engine died on {command!r}")
            if line == "\n" and lines:
                break
            if line != "\n":
                lines.append(line.rstrip("\n"))
        reply = "\n".join(lines)
        if reply.startswith("?"):
            raise RuntimeError(f"{command!r}: {reply}")
        return reply[1:].strip()

    def stones(self, color: int, size: int) -> set[int]:
        return {coords.to_flat(coords.from_gtp(v, size), size) for v in self.send(f"list_stones {COLOR[color]}").split()}

    def close(self) -> None:
        try:
            self.send("quit")
        except (RuntimeError, OSError):
            pass
        self.proc.wait(timeout=10)
