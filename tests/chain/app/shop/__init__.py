"""A tiny shop service: the application the end-to-end chain builds, gates and ships."""

__version__ = "1.0.0"
