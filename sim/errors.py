"""The one exception type that means "the user gave us something wrong"."""

from __future__ import annotations


class UserError(Exception):
    """Bad input from the user: a scenario file, an option, a results folder.

    The command line turns it into one line on stderr and exit status 2, with no
    traceback. Messages name the file, the key and what was expected.
    """

    def __init__(self, message: str, *, file: str | None = None, key: str | None = None):
        self.file = file
        self.key = key
        self.detail = message  # the message without the file and key, to re-raise elsewhere
        where = ", ".join(part for part in (file, f"key '{key}'" if key else None) if part)
        super().__init__(f"{where}: {message}" if where else message)
