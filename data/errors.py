"""The store's one error type, apart so that :mod:`data.store` and :mod:`data.migrate`
(which ``store.init_db`` calls) both raise it without importing each other."""

from __future__ import annotations


class StoreError(RuntimeError):
    """The store cannot be opened or is not in the state an operation needs.

    ``str()`` is English; ``key`` (when not empty) and ``values`` let the command line word
    the common ones in the run's language (``layouts.cli_words``)."""

    def __init__(self, message: str, key: str = "", **values: object) -> None:
        super().__init__(message)
        self.key, self.values = key, values
