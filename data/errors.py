"""The store's one error type, apart so that :mod:`data.store` and :mod:`data.migrate`
(which ``store.init_db`` calls) both raise it without importing each other."""

from __future__ import annotations


class StoreError(RuntimeError):
    """The store cannot be opened or is not in the state an operation needs."""
