"""Shared fixtures: every compiled-result test runs under both modes."""

import pytest


@pytest.fixture(params=["FAST_COMPILE", "FAST_RUN"])
def mode(request):
    """The compilation mode to pass as ``theano.function(..., mode=mode)``."""
    return request.param
