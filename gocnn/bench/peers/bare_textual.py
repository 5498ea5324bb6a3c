"""A bare Textual app (one Static): the peer of ``gocnn bench tui-startup``.  Run by the bench
in a fresh process, it leaves with ``os._exit`` as soon as its first screen has been drawn,
headless, exactly as the bench's own child leaves ``gocnn play``'s app.  It does not import
gocnn."""

import os
import sys

from textual.app import App
from textual.widgets import Static


class Bare(App):
    def compose(self):
        yield Static("hello")

    def on_mount(self):
        self.call_after_refresh(self.leave)

    def leave(self):
        sys.stdout.write("{}\n")
        sys.stdout.flush()
        os._exit(0)


if __name__ == "__main__":
    Bare().run(headless=True)
