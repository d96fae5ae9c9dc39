"""YAML from a rules file is untrusted: before `yaml.safe_load` builds anything, one streaming
pass over its events (linear in the text, which rules.py caps at 1 MB) refuses deep nesting and
alias bombs ("billion laughs": a few kB of anchors and aliases that expand to 10^9 nodes when a
reader walks them), and the loaded tree is counted with a visit budget, aliases expanded."""

from __future__ import annotations

from typing import Any

MAX_DEPTH = 32
MAX_ALIASES = 100
MAX_NODES = 100_000


class UnsafeYaml(ValueError):
    pass


def load(text: str) -> Any:
    import yaml

    depth = 0
    aliases = 0
    for event in yaml.parse(text, Loader=yaml.SafeLoader):
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
    data = yaml.safe_load(text)
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
