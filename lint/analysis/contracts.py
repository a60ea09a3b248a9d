"""The contract between a tool's (or agent strategy's) YAML and its code: what the YAML declares,
the class that serves it, and what that class reads from its parameters; and for a tool
provider, its declared credentials against what its tools and its validation read."""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Callable

from ..model.declarations import declared_credentials, declared_parameters
from ..model.plugin import Declaration, Plugin
from ..model.yamldoc import PathItem
from ..python.module import PyModule
from ..python.outline import ClassOutline
from ..python.symbols import Chain, Resolver
from .entries import EntryClass
from .params import DictFlow, Tracker


@dataclass(eq=False)
class Contract:
    """One tool or agent strategy: its YAML parameters and what its `_invoke` reads."""

    declaration: Declaration
    module: PyModule
    cls: ClassOutline
    chain: Chain
    invoke: ast.AST | None
    dict_name: str | None
    flow: DictFlow
    declared: dict[str, tuple[int, dict]]  # name -> (index in `parameters`, the item)
    dynamic: bool  # runtime parameters: the YAML is not the whole list
    siblings: list["Contract"] = field(default_factory=list)  # every contract served by the same class
    satisfied_groups: set[int] = field(default_factory=set)  # its fallback chains with a declared read

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
    provider: Declaration
    declared: dict[str, tuple[PathItem, ...]]  # name -> where it is declared
    flow: DictFlow


@dataclass
class Contracts:
    contracts: list[Contract] = field(default_factory=list)
    credentials: list[CredentialContract] = field(default_factory=list)
    satisfied_groups: set[int] = field(default_factory=set)  # fallback chains with a declared credential read

    def close(self) -> None:
        """Siblings name each other: unlink them, so that reference counting frees them."""
        for contract in self.contracts:
            contract.siblings = []


def build_contracts(
    plugin: Plugin,
    entries: dict[int, EntryClass],
    resolver: Resolver,
    module_at: Callable[[str], PyModule | None],
    parents_of: Callable[[PyModule], dict[int, ast.AST]],
) -> Contracts:
    result = Contracts()

    def tracker(flow: DictFlow) -> Tracker:
        return Tracker(resolver, module_at, parents_of, flow)

    for declaration in plugin.declarations_of("tool", "agent_strategy"):
        entry = entries.get(id(declaration))
        if entry is None:
            continue
        declared = declared_parameters(declaration.doc)
        if declared is None:
            continue
        invoke = entry.cls.methods.get("_invoke")
        flow = DictFlow()
        dict_name = None
        if invoke is not None:
            args = [*invoke.args.posonlyargs, *invoke.args.args]  # type: ignore[attr-defined]
            if len(args) >= 2:
                dict_name = args[1].arg
                tracker(flow).follow(entry.module, entry.chain, invoke, names={dict_name})
        dynamic = bool(declaration.doc.get("has_runtime_parameters")) or entry.chain.method("_get_runtime_parameters") is not None
        result.contracts.append(
            Contract(declaration, entry.module, entry.cls, entry.chain, invoke, dict_name, flow, declared, dynamic)
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
        flow = DictFlow()
        follower = tracker(flow)
        found = entries.get(id(provider))
        if found is None:
            flow.escapes.append("the provider class was not found")
        else:
            for method_name in ("_validate_credentials", "validate_credentials"):
                method = found.cls.methods.get(method_name)
                if method is None:
                    continue
                args = [*method.args.posonlyargs, *method.args.args]  # type: ignore[attr-defined]
                if len(args) >= 2:
                    follower.follow(found.module, found.chain, method, names={args[1].arg})
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
        result.credentials.append(CredentialContract(provider, declared_credentials(provider.doc), flow))
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
