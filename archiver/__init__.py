"""archiver: keep the web sources of a report alive as evidence."""

__version__ = "0.1.0"

__all__ = ["__version__"]
