"""The intake store of :mod:`tests.data.intake.intake_store`, on both stores."""

from __future__ import annotations

import pytest

from tests.data.intake.intake_store import build


@pytest.fixture
def intake(engine):
    build(engine)
    return engine
