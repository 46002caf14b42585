"""Charter: take a trained model into production and keep it fit there."""

from charter._version import __version__

__all__ = ["__version__"]
