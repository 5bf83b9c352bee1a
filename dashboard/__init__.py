"""The app factory, settings and command line of the command-centre dashboard."""

from dashboard.app import create_app
from dashboard.settings import Settings

__all__ = ["Settings", "create_app"]
