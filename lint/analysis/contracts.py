"""The contract between a declaration's YAML and its code: what the YAML declares, the class that
serves it, and what that class reads from the mapping Dify fills. A tool's (or agent strategy's)
parameters, a tool provider's credentials (read by its tools and its validation), an endpoint
group's settings (read by its endpoints).

Every mapping is followed from the entry points `entries.entry_points` lists, the same ones the
origin analysis starts from."""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Callable

from ..model.declarations import credential_items, declared_credentials, declared_parameters, declared_settings
from ..model.plugin import Declaration, Plugin
from ..model.yamldoc import PathItem
from ..python.module import PyModule
from ..python.outline import ClassOutline
from ..python.symbols import Chain, Resolver
from .entries import EntryClass, EntryPoint, entry_points
from .params import BodyNodes, DictFlow, Tracker


@dataclass(eq=False)
class Contract:
    """One tool or agent strategy: its YAML parameters and what its `_invoke` reads."""

    declaration: Declaration
    module: PyModule
    cls: ClassOutline
    chain: Chain
    invoke: ast.AST | None  # the class's own `_invoke`
    dict_name: str | None  # the name `_invoke` (its own or inherited) gives the parameters
    flow: DictFlow
    declared: dict[str, tuple[int, dict]]  # name -> (index in `parameters`, the item)
    dynamic: bool  # runtime parameters: the YAML is not the whole list
    siblings: list["Contract"] = field(default_factory=list)  # every contract served by the same class
    satisfied_groups: set[int] = field(default_factory=set)  # its fallback chains with a declared read
    entry: EntryPoint | None = None  # the `_invoke` the parameters enter, maybe inherited

    @property
    def shared(self) -> bool:
        return len(self.siblings) > 1

    @property
    def first(self) -> bool:
        """One contract speaks for a class that several YAML files use."""
        return not self.siblings or self.siblings[0] is self

    def all_declared(self) -> dict[str, tuple[int, dict]]:
        if not self.shared:
            return self.declared
        union: dict[str, tuple[int, dict]] = {}
        for sibling in self.siblings:
            for name, value in sibling.declared.items():
                union.setdefault(name, value)
        return union


@dataclass(eq=False)
class CredentialContract:
    """A tool provider's credentials against what its validation and its tools read."""

    provider: Declaration
    declared: dict[str, tuple[PathItem, ...]]  # name -> where it is declared
    flow: DictFlow
    items: dict[str, dict] = field(default_factory=dict)  # name -> the declared item


@dataclass(eq=False)
class SettingsContract:
    """An endpoint group's settings against what its endpoints' `_invoke` read."""

    group: Declaration
    declared: dict[str, tuple[tuple[PathItem, ...], dict]]  # name -> (where the name is, the item)
    flow: DictFlow


@dataclass
class Contracts:
    contracts: list[Contract] = field(default_factory=list)
    credentials: list[CredentialContract] = field(default_factory=list)
    satisfied_groups: set[int] = field(default_factory=set)  # fallback chains with a declared credential read
    settings: list[SettingsContract] = field(default_factory=list)

    def close(self) -> None:
        """Siblings name each other: unlink them, so that reference counting frees them."""
        for contract in self.contracts:
            contract.siblings = []


def build_contracts(
    plugin: Plugin,
    entries: dict[int, EntryClass],
    resolver: Resolver,
    module_at: Callable[[str], PyModule | None],
) -> Contracts:
    result = Contracts()
    bodies: dict[int, tuple[ast.AST, BodyNodes]] = {}  # each function's body indexed once, for every declaration that reaches it

    def tracker(flow: DictFlow) -> Tracker:
        return Tracker(resolver, module_at, flow, bodies)

    points: dict[int, list[EntryPoint]] = {}
    for point in entry_points(entries):
        points.setdefault(id(point.entry.declaration), []).append(point)

    def follow(flow: DictFlow, point: EntryPoint) -> bool:
        """Follow the mapping from one entry point; False when the def does not take it."""
        module = module_at(point.path)
        parameter = point.parameter
        if module is None or parameter is None:
            return False
        tracker(flow).follow(module, point.entry.chain, point.method, names={parameter})
        return True

    for declaration in plugin.declarations_of("tool", "agent_strategy"):
        entry = entries.get(id(declaration))
        if entry is None:
            continue
        declared = declared_parameters(declaration.doc)
        if declared is None:
            continue
        flow = DictFlow()
        point = next(iter(points.get(id(declaration), ())), None)
        dict_name = point.parameter if point is not None and follow(flow, point) else None
        flow.settle()
        dynamic = bool(declaration.doc.get("has_runtime_parameters")) or entry.chain.method("_get_runtime_parameters") is not None
        result.contracts.append(
            Contract(
                declaration,
                entry.module,
                entry.cls,
                entry.chain,
                entry.cls.methods.get("_invoke"),
                dict_name,
                flow,
                declared,
                dynamic,
                entry=point,
            )
        )
    groups: dict[int, list[Contract]] = {}
    for contract in result.contracts:
        groups.setdefault(id(contract.cls), []).append(contract)
    for group in groups.values():
        for contract in group:
            contract.siblings = group
    for provider in plugin.declarations_of("tool_provider"):
        if not provider.doc.usable or provider.doc.get("oauth_schema") is not None:
            continue
        result.credentials.append(_credentials(provider, entries, points, follow, tracker, module_at))
    for endpoint_group in plugin.declarations_of("endpoint_group"):
        if not endpoint_group.doc.usable:
            continue
        flow = DictFlow()
        for child in endpoint_group.children:
            found = points.get(id(child))
            if not found:
                flow.escapes.append("an endpoint class was not found")
            for point in found or ():
                if not follow(flow, point):
                    flow.escapes.append("an endpoint's `_invoke` does not take the settings")
        flow.settle()
        result.settings.append(SettingsContract(endpoint_group, declared_settings(endpoint_group.doc), flow))
    # fallback chains (`a or b`) in which some read is declared; a helper shared by several tools
    # is judged for each tool on its own, so parameter chains count per contract
    for contract in result.contracts:
        declared = contract.all_declared()
        for read in contract.flow.reads:
            if read.group is not None and (read.key in declared or read.key in contract.flow.stores):
                contract.satisfied_groups.add(read.group)
    for credentials in result.credentials:
        for read in credentials.flow.reads:
            if read.group is not None and (read.key in credentials.declared or read.key in credentials.flow.stores):
                result.satisfied_groups.add(read.group)
    return result


def _credentials(
    provider: Declaration,
    entries: dict[int, EntryClass],
    points: dict[int, list[EntryPoint]],
    follow: Callable[[DictFlow, EntryPoint], bool],
    tracker: Callable[[DictFlow], Tracker],
    module_at: Callable[[str], PyModule | None],
) -> CredentialContract:
    """What a tool provider's validation and its tools read from its credentials."""
    flow = DictFlow()
    if id(provider) not in entries:
        flow.escapes.append("the provider class was not found")
    for point in points.get(id(provider), ()):
        follow(flow, point)
    follower = tracker(flow)
    for child in provider.children:
        if child.kind != "tool" or not child.doc.usable:
            continue
        entry = entries.get(id(child))
        if entry is None:
            flow.escapes.append("a tool class was not found")
            continue
        for path, klass in entry.chain.items:
            where = module_at(path)
            if where is None or "runtime" not in where.text:
                continue
            for method in klass.methods.values():
                follower.follow(where, entry.chain, method, exprs={"self.runtime.credentials"})
    flow.settle()
    items = {name: item for name, (_, item) in credential_items(provider.doc).items()}
    return CredentialContract(provider, declared_credentials(provider.doc), flow, items)
