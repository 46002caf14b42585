"""The public API is what ``charter.__all__`` says, no more and no less."""

from __future__ import annotations

import charter


def test_all_is_pinned() -> None:
    assert sorted(charter.__all__) == [
        "ArtifactIntegrityError",
        "Charter",
        "CharterError",
        "ConflictError",
        "ContractError",
        "DataError",
        "ModelError",
        "NotFoundError",
        "PermissionDeniedError",
        "Registry",
        "Settings",
        "SignatureMismatchError",
        "StorageError",
        "__version__",
        "check_charter",
        "load_charter",
        "parse_charter",
    ]


def test_every_exported_name_exists() -> None:
    for name in charter.__all__:
        assert getattr(charter, name) is not None, name


def test_errors_subclass_the_builtins_callers_catch() -> None:
    assert issubclass(charter.ContractError, ValueError)
    assert issubclass(charter.DataError, ValueError)
    assert issubclass(charter.NotFoundError, LookupError)
    assert issubclass(charter.ArtifactIntegrityError, charter.StorageError)
    assert issubclass(charter.SignatureMismatchError, charter.DataError)
