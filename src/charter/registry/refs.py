"""Parsing ``NAME@VERSION`` references the way every command writes them."""

from __future__ import annotations

import re
from dataclasses import dataclass

from charter.errors import DataError

__all__ = ["VersionRef", "parse_ref"]

_REF = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)(?:@(?P<selector>[A-Za-z0-9._-]+))?$")


@dataclass(frozen=True)
class VersionRef:
    """A model name and a selector: a version number, ``latest``, or an alias/stage name."""

    name: str
    version: int | None = None
    alias: str | None = None

    def __str__(self) -> str:
        if self.version is not None:
            return f"{self.name}@{self.version}"
        return f"{self.name}@{self.alias or 'latest'}"


def parse_ref(text: str, *, default: str = "latest") -> VersionRef:
    """Read ``name``, ``name@3``, ``name@v3``, ``name@latest`` or ``name@production``."""
    match = _REF.match(text.strip())
    if not match:
        raise DataError(
            f"'{text}' is not a model reference: expected NAME or NAME@VERSION "
            "(for example premium-card-offer@3 or premium-card-offer@production)"
        )
    name = match.group("name")
    selector = match.group("selector") or default
    digits = selector[1:] if selector[:1] in "vV" and selector[1:].isdigit() else selector
    if digits.isdigit():
        number = int(digits)
        if number < 1:
            raise DataError(f"'{text}': version numbers start at 1")
        return VersionRef(name=name, version=number)
    if selector == "latest":
        return VersionRef(name=name)
    return VersionRef(name=name, alias=selector)
