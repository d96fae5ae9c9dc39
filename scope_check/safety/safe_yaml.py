"""YAML from a rules file is untrusted: before `yaml.safe_load` builds anything, one streaming
pass over its events (linear in the text, which rules.py caps at 1 MB) refuses deep nesting and
alias bombs ("billion laughs": a few kB of anchors and aliases that expand to 10^9 nodes when a
reader walks them), and the loaded tree is counted with a visit budget, aliases expanded.

Both passes use PyYAML's C parser (libyaml: `CSafeLoader`, the same safe constructor and resolver
as `SafeLoader`) when PyYAML was built with it, the pure-Python parser otherwise. A text the C
parser rejects or refuses is read again by the pure-Python one, so that an invalid file gets the
same message (and the same refusal) with or without libyaml; the tests compare both parsers' results.
"""

from __future__ import annotations

from typing import Any

MAX_DEPTH = 32
MAX_ALIASES = 100
MAX_NODES = 100_000


class UnsafeYaml(ValueError):
    pass


def fast_loader():
    """PyYAML's C safe loader when it is available, else None."""
    import yaml

    return getattr(yaml, "CSafeLoader", None) if getattr(yaml, "__with_libyaml__", False) else None


def load(text: str, pure: bool = False) -> Any:
    """The data of a YAML text, refused (UnsafeYaml) when it nests too deep or expands too far;
    `pure` forces the pure-Python parser."""
    import yaml

    loader = None if pure else fast_loader()
    if loader is None:
        return _load(text, yaml.SafeLoader)
    try:
        return _load(text, loader)
    except (yaml.YAMLError, UnsafeYaml):  # the message (and the refusal) of the pure-Python parser
        return _load(text, yaml.SafeLoader)


def _load(text: str, loader) -> Any:
    import yaml

    depth = 0
    aliases = 0
    for event in yaml.parse(text, Loader=loader):
        if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            depth += 1
            if depth > MAX_DEPTH:
                raise UnsafeYaml(f"nested more than {MAX_DEPTH} levels deep")
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            depth -= 1
        elif isinstance(event, yaml.AliasEvent):
            aliases += 1
            if aliases > MAX_ALIASES:
                raise UnsafeYaml(f"more than {MAX_ALIASES} aliases (*name): not a rules file")
    data = yaml.load(text, Loader=loader)
    _count(data)
    return data


def _count(data: Any) -> None:
    """Visit every node as a reader would (aliases expanded), giving up past MAX_NODES."""
    budget = MAX_NODES
    stack = [data]
    while stack:
        node = stack.pop()
        budget -= 1
        if budget < 0:
            raise UnsafeYaml(f"expands to more than {MAX_NODES:,} values (an alias bomb?)")
        if isinstance(node, dict):
            stack.extend(node.keys())
            stack.extend(node.values())
        elif isinstance(node, (list, tuple)):
            stack.extend(node)
