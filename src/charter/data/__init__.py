"""Data in and out of Charter: readers, fingerprints and row checks against the charter."""

from charter.data.io import MISSING_MARKERS, fingerprint_frame, read_table
from charter.data.schema import OTHER_CATEGORY, FieldIssue, SchemaCheck, validate_frame

__all__ = [
    "MISSING_MARKERS",
    "OTHER_CATEGORY",
    "FieldIssue",
    "SchemaCheck",
    "fingerprint_frame",
    "read_table",
    "validate_frame",
]
