from __future__ import annotations

import pytest

from charter.errors import DataError
from charter.registry import VersionRef, parse_ref


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("m", VersionRef("m")),
        ("m@latest", VersionRef("m")),
        ("m@3", VersionRef("m", version=3)),
        ("m@v12", VersionRef("m", version=12)),
        ("adult-income@production", VersionRef("adult-income", alias="production")),
        ("a.b_c@shadow", VersionRef("a.b_c", alias="shadow")),
    ],
)
def test_parse_ref_reads_every_form(text: str, expected: VersionRef) -> None:
    assert expected == parse_ref(text)


@pytest.mark.parametrize("text", ["", "@3", "m@", "m@3@4", "m/3", "-m@1"])
def test_parse_ref_refuses_malformed_references(text: str) -> None:
    with pytest.raises(DataError, match="is not a model reference"):
        parse_ref(text)


def test_parse_ref_refuses_version_zero() -> None:
    with pytest.raises(DataError, match="version numbers start at 1"):
        parse_ref("m@0")


def test_ref_string_round_trips() -> None:
    assert str(parse_ref("m@7")) == "m@7"
    assert str(parse_ref("m")) == "m@latest"
    assert str(parse_ref("m@shadow")) == "m@shadow"
