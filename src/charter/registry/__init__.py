"""The model registry: versions registered against their charter, found and loaded safely."""

from charter.registry.refs import VersionRef, parse_ref
from charter.registry.service import SAMPLE_MAX_ROWS, ModelSummary, Registry

__all__ = ["SAMPLE_MAX_ROWS", "ModelSummary", "Registry", "VersionRef", "parse_ref"]
