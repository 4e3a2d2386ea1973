"""Offline consultation skills training simulator."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("simulator")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+source"
