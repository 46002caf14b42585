"""Read YAML and remember where every key was written, so errors can name their line.

Two things PyYAML does silently are made loud or safe here:

- a key written twice in one mapping (PyYAML keeps the last) is reported as a problem;
- YAML 1.1 surprises are turned off: ``yes``/``no``/``on``/``off`` stay text (a class label
  ``no`` must not become ``False``) and ``18:30`` stays text instead of becoming the base-60
  number 1110. Booleans are ``true``/``false``; integers are decimal, ``0x``, ``0o`` or ``0b``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

__all__ = ["KeyPath", "YamlDocument", "YamlSyntaxError", "line_of", "load_yaml"]

KeyPath = tuple[str | int, ...]
_BOOL = "tag:yaml.org,2002:bool"
_INT = "tag:yaml.org,2002:int"
_MERGE = "tag:yaml.org,2002:merge"
MAX_FLOW_DEPTH = 64  # a charter nests a few levels; thousands only come from junk


class _CharterLoader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2 booleans and no base-60 integers."""


# a copy without the YAML 1.1 bool and int resolvers; the YAML 1.2 ones are added below
_CharterLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag not in (_BOOL, _INT)]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_CharterLoader.add_implicit_resolver(
    _BOOL, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
_CharterLoader.add_implicit_resolver(
    _INT,
    re.compile(
        r"^(?:[-+]?0b[0-1_]+|[-+]?0o?[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+)$"
    ),
    list("-+0123456789"),
)


class YamlSyntaxError(ValueError):
    """Text that is not YAML; ``line`` is 1-based when known."""

    def __init__(self, message: str, line: int | None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


@dataclass(frozen=True)
class DuplicateKey:
    """A key written twice in one mapping."""

    path: KeyPath
    line: int
    first_line: int


@dataclass
class YamlDocument:
    """Parsed data, the line of every key and list item, and the duplicate keys found."""

    data: Any
    lines: dict[KeyPath, int] = field(default_factory=dict)
    duplicates: list[DuplicateKey] = field(default_factory=list)


def _syntax_error(exc: yaml.YAMLError, text: str) -> YamlSyntaxError:
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        parts = [p for p in (exc.context, exc.problem) if p]
        detail = "; ".join(dict.fromkeys(parts)) or "cannot be parsed"
        return YamlSyntaxError(f"invalid YAML: {detail}", mark.line + 1 if mark else None)
    position = getattr(exc, "position", None)
    line = text.count("\n", 0, position) + 1 if isinstance(position, int) else None
    reason = getattr(exc, "reason", None) or "cannot be parsed"
    return YamlSyntaxError(f"invalid YAML: {reason}", line)


def _index(root: Node, document: YamlDocument) -> None:
    """Record lines and duplicates without recursion, visiting each node once (aliases share)."""
    seen: set[int] = set()
    stack: list[tuple[Node, KeyPath]] = [(root, ())]
    while stack:
        node, path = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, MappingNode):
            first: dict[str, int] = {}
            for key_node, value_node in node.value:
                if not isinstance(key_node, ScalarNode) or key_node.tag == _MERGE:
                    continue
                key, line = key_node.value, key_node.start_mark.line + 1
                if key in first:
                    document.duplicates.append(DuplicateKey((*path, key), line, first[key]))
                else:
                    first[key] = line
                document.lines[(*path, key)] = line
                stack.append((value_node, (*path, key)))
        elif isinstance(node, SequenceNode):
            for index, item in enumerate(node.value):
                document.lines[(*path, index)] = item.start_mark.line + 1
                stack.append((item, (*path, index)))


def _check_flow_depth(text: str) -> None:
    """Refuse absurd ``[[[[…`` nesting up front: PyYAML's scanner is quadratic in it."""
    if text.count("[") + text.count("{") < MAX_FLOW_DEPTH:
        return
    depth, quote, line = 0, "", 1
    for index, char in enumerate(text):
        if char == "\n":
            line += 1
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"" and (index == 0 or text[index - 1] in " \t\n[{,:"):
            quote = char
        elif char in "[{":
            depth += 1
            if depth > MAX_FLOW_DEPTH:
                raise YamlSyntaxError("the YAML is nested too deeply to be a charter", line)
        elif char in "]}":
            depth = max(depth - 1, 0)


def load_yaml(text: str) -> YamlDocument:
    """Parse one YAML document; raises ``YamlSyntaxError`` with the line for bad YAML."""
    _check_flow_depth(text)
    try:
        loader = _CharterLoader(text)
    except yaml.YAMLError as exc:
        raise _syntax_error(exc, text) from None
    try:
        root = loader.get_single_node()
        if root is None:
            return YamlDocument(data=None)
        document = YamlDocument(data=None)
        _index(root, document)
        document.data = loader.construct_document(root)
        return document
    except yaml.YAMLError as exc:
        raise _syntax_error(exc, text) from None
    except RecursionError:
        raise YamlSyntaxError("the YAML is nested too deeply to be a charter", None) from None
    finally:
        loader.dispose()


def line_of(path: KeyPath, lines: dict[KeyPath, int]) -> int | None:
    """The line of ``path``, or of its nearest written ancestor when the key itself is absent."""
    for end in range(len(path), 0, -1):
        prefix = path[:end]
        if prefix in lines:
            return lines[prefix]
        alternative = tuple(str(p) for p in prefix)
        if alternative in lines:
            return lines[alternative]
    return None
