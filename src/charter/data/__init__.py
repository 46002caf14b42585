"""Data in and out of Charter: readers, writers and fingerprints."""

from charter.data.io import MISSING_MARKERS, fingerprint_frame, read_table

__all__ = ["MISSING_MARKERS", "fingerprint_frame", "read_table"]
