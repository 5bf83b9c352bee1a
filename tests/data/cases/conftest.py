"""The hand-counted store of :mod:`tests.data.cases.hand_store`, on both stores."""

from __future__ import annotations

import pytest

from tests.data.cases.hand_store import build


@pytest.fixture
def hand(engine):
    build(engine)
    return engine
