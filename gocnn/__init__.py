"""gocnn: an AlphaGo-style policy CNN for Go, with the tools around it."""

__version__ = "0.1.0"
