"""Errors a user can cause.  The CLI turns each into one line on stderr and a non-zero exit."""


class GocnnError(Exception):
    """Bad input from the user: a missing file, a damaged model, an unknown preset..."""

    exit_code = 2
