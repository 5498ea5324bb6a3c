"""Peers that are programs of their own, run by a bench in a child process."""
