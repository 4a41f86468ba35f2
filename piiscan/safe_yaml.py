"""YAML from users (policies, detector packs, declarations, matrix defaults) read safely.

``yaml.safe_load`` builds no objects, but it follows aliases: nine nested anchors of ten
aliases each (the "billion laughs") load as a small graph that expands to 10^9 nodes as
soon as anything walks it (the policy digest serialises it). :func:`load_yaml` composes
the document first and counts what its aliases expand to, without expanding it: more
than :data:`MAX_ALIASES` alias uses, more than :data:`MAX_EXPANDED_NODES` nodes once
expanded, or an alias that contains itself is a :class:`~piiscan.errors.ConfigError`.
"""

from __future__ import annotations

from typing import Any

import yaml

from piiscan.errors import ConfigError

#: Alias uses (``*name``, ``<<: *name``) one document may make.
MAX_ALIASES = 100
#: Nodes the document may count once every alias is expanded.
MAX_EXPANDED_NODES = 200_000

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml(text: str, origin: str) -> Any:
    """The document in ``text`` (``None`` when empty), as ``yaml.safe_load`` reads it.

    Raises :class:`ConfigError` naming ``origin`` when its aliases expand beyond the
    budget or nest too deeply; syntax errors propagate as ``yaml.YAMLError``.
    """
    loader = _LOADER(text)
    try:
        try:
            node = loader.get_single_node()
        except RecursionError:
            raise ConfigError(f"{origin}: YAML nested too deeply") from None
        if node is None:
            return None
        check_expansion(node, origin)
        try:
            return loader.construct_document(node)
        except RecursionError:
            raise ConfigError(f"{origin}: YAML nested too deeply") from None
    finally:
        loader.dispose()


def check_expansion(root: yaml.Node, origin: str) -> None:
    """Refuse a node graph whose aliases expand beyond the budget (iterative: no depth
    limit of its own). A node met again through another edge is an alias use."""
    size: dict[int, int] = {}  # id(node) -> nodes once expanded (finished nodes)
    open_: set[int] = set()  # nodes being walked: met again, an alias contains itself
    seen = {id(root)}
    aliases = 0
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        key = id(node)
        if not done and key in size:
            continue  # an alias's target, walked since it was queued
        children = _children(node)
        if done:
            open_.discard(key)
            total = 1 + sum(size[id(c)] for c in children)
            if total > MAX_EXPANDED_NODES:
                raise ConfigError(
                    f"{origin}: YAML aliases expand to more than {MAX_EXPANDED_NODES} "
                    "nodes (a 'billion laughs' document?); write the values out"
                )
            size[key] = total
            continue
        open_.add(key)
        stack.append((node, True))
        for child in children:
            ckey = id(child)
            if ckey in open_:
                raise ConfigError(f"{origin}: a YAML alias refers to itself (recursive anchor)")
            if ckey in seen:
                aliases += 1
                if aliases > MAX_ALIASES:
                    raise ConfigError(
                        f"{origin}: more than {MAX_ALIASES} YAML aliases; write the values out"
                    )
                if ckey in size:
                    continue  # walked already: its size is known
            seen.add(ckey)
            stack.append((child, False))  # (again, when still waiting: walked before us)


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    return []
