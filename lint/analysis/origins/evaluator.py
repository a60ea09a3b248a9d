"""The origin evaluator: from an expression at a call, back to where its value comes from."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Any, Callable, NamedTuple

from ...python.astutil import Arg, call_arguments, decorator_names, dotted, name_text, string_value
from ...python.module import PyModule
from ...python.scopes import ClassInfo, Func, FunctionIndex
from ...python.symbols import Resolver
from ...sdk import CONFIG_CLASSES
from .environments import DICT_TYPES, Env, FlowBuilder, FlowResult, subscript_key
from .kinds import DICT, UNKNOWN, Built, Const, Instance, Item, Origin, Read, Source, Unknown, as_dict, literal_of, with_keys

MAX_DEPTH = 4  # calls followed into callees or back to callers, from one starting point
MAX_ORIGINS = 32  # beyond this many, a value is UNKNOWN


class Root(NamedTuple):
    """A parameter of an entry point that receives a mapping Dify fills."""

    kind: str  # "tool", "strategy", "endpoint", "credentials"
    source: str  # the declaration's source file
    index: int | None  # the parameter's position, or
    name: str | None = None  # its name (an endpoint's `settings`)


@dataclass(frozen=True, eq=False)
class Frame:
    func: Func
    bindings: tuple = ()  # ((parameter name, frozenset[Origin]), ...) when called from a known place
    depth: int = 0

    @property
    def key(self) -> tuple:
        return (id(self.func), self.bindings)

    def bound(self, name: str) -> frozenset | None:
        for bound_name, origins in self.bindings:
            if bound_name == name:
                return origins
        return None


_IN_PROGRESS = object()
_DEFAULT = "<default>"  # what argument_for answers for a parameter left to its default
_SELF = "<self>"  # ... for the `self` a bound method call supplies


class ValueFlow:
    """The origin analysis for one plugin.

    `roots` maps id(def node) of each entry point to the parameters Dify fills; `modules` are the
    plugin's modules whose calls may reach a function (its callers); `functions_of` and
    `module_at` give a module's function index and the module at a path."""

    def __init__(
        self,
        modules: list[PyModule],
        roots: dict[int, list[Root]],
        resolver: Resolver,
        functions_of: Callable[[PyModule], FunctionIndex],
        module_at: Callable[[str], PyModule | None],
    ):
        self.modules = [m for m in modules if m.tree is not None]
        self.roots = roots
        self.resolver = resolver
        self._functions_of = functions_of
        self._module_at = module_at
        self._flows: dict[int, FlowResult] = {}
        self._memo: dict[tuple, Any] = {}
        self._callers: dict[int, list] = {}

    # indexes ---------------------------------------------------------------------------------

    def index(self, module: PyModule) -> FunctionIndex:
        return self._functions_of(module)

    def flow(self, func: Func) -> FlowResult:
        found = self._flows.get(id(func))
        if found is None:
            self._flows[id(func)] = FlowResult()  # a guard against re-entry while it is built
            found = self._flows[id(func)] = FlowBuilder(func, self._def_env(func)).result
        return found

    def env_at(self, func: Func, call: ast.Call) -> Env | None:
        return self.flow(func).call_env.get(id(call))

    # public entry ----------------------------------------------------------------------------

    def origins(self, func: Func, call: ast.Call, expression: ast.expr) -> frozenset:
        """The origins of `expression`, an argument of `call` inside `func`."""
        env = self.env_at(func, call)
        if env is None:
            return frozenset({UNKNOWN})
        return self.evaluate(expression, Frame(func), env)

    def key_origins(self, built: Built, key: str) -> frozenset:
        """The origins of the value a built dict or config is given for `key` (UNKNOWN when it came
        from elsewhere, empty when it has no such key)."""
        for name, node in reversed(built.added):
            if name == key:
                return frozenset({Const("str", node)}) if string_value(node) is not None else frozenset({UNKNOWN})
        for name, node in reversed(built.keys):
            if name == key:
                return self.evaluate(node, built.frame, built.env) if node is not None else frozenset({UNKNOWN})
        return frozenset()

    def close(self) -> None:
        self._flows.clear()
        self._memo.clear()
        self._callers.clear()

    # the evaluator ---------------------------------------------------------------------------

    def evaluate(self, node: ast.AST, frame: Frame, env: Env | None) -> frozenset:
        key = (id(node), id(env), frame.key)
        memo = self._memo.get(key)
        if memo is _IN_PROGRESS:
            return frozenset()
        if memo is not None:
            return memo
        self._memo[key] = _IN_PROGRESS
        try:
            result = self._evaluate(node, frame, env or {})
        except RecursionError:
            result = frozenset({UNKNOWN})
        if len(result) > MAX_ORIGINS:
            result = frozenset({UNKNOWN})
        self._memo[key] = result
        return result

    def _evaluate(self, node: ast.AST, frame: Frame, env: Env) -> frozenset:
        if isinstance(node, ast.Name):
            return self._name(node.id, frame, env)
        literal = literal_of(node)
        if literal is not None:
            return frozenset({Const(literal, node)})
        if isinstance(node, ast.Dict):
            return frozenset({self._dict_display(node, frame, env)})
        if isinstance(node, ast.BoolOp):
            found: frozenset = frozenset()
            for value in node.values:
                found |= self.evaluate(value, frame, env)
            return found
        if isinstance(node, ast.IfExp):
            return self.evaluate(node.body, frame, env) | self.evaluate(node.orelse, frame, env)
        if isinstance(node, ast.Await):
            return self.evaluate(node.value, frame, env)
        if isinstance(node, ast.NamedExpr):
            return self.evaluate(node.value, frame, env)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
            left = self.evaluate(node.left, frame, env)
            right = self.evaluate(node.right, frame, env)
            if any(o.form == DICT for o in left | right):
                return frozenset({Built(node, None, (), (left, right), False, frame, env)})
            return frozenset({UNKNOWN})
        if isinstance(node, ast.Subscript):
            key = subscript_key(node)
            if key is None:
                return frozenset({UNKNOWN})
            return self._key(self.evaluate(node.value, frame, env), key)
        if isinstance(node, ast.Attribute):
            return self._attribute(node, frame, env)
        if isinstance(node, ast.Call):
            return self._call(node, frame, env)
        return frozenset({UNKNOWN})

    # names -------------------------------------------------------------------------------

    def _name(self, name: str, frame: Frame, env: Env) -> frozenset:
        binding = env.get(name)
        if binding is None:
            return frozenset({UNKNOWN})
        origins: set[Origin] = set()
        for definition in binding.defs:
            origins |= self._definition(definition, frame)
        if binding.added or binding.opened:
            origins = {with_keys(o, binding.added, binding.opened) for o in origins}
        if binding.narrow == "dict":
            origins = {o for o in origins if o.form == DICT or isinstance(o, (Unknown, Item, Instance))}
        elif binding.narrow == "notdict":
            origins = {o for o in origins if o.form != DICT}
        elif binding.narrow == "truthy":
            origins = {o for o in origins if not (isinstance(o, Const) and o.kind == "none")}
        return frozenset(origins)

    def _definition(self, definition, frame: Frame) -> frozenset:
        if definition.func is not None and definition.func is not frame.func:
            frame = Frame(definition.func, (), frame.depth)  # a name of an enclosing scope
        if definition.kind == "assign":
            return self.evaluate(definition.node, frame, definition.env)
        if definition.kind == "param":
            return self._parameter(frame, definition.node, definition.index)
        return frozenset({UNKNOWN})

    def _parameter(self, frame: Frame, param, index: int) -> frozenset:
        bound = frame.bound(param.name)
        if bound is not None:
            return bound
        func = frame.func
        root = self._root(func, param, index)
        if root is not None:
            return frozenset({root})
        if frame.depth >= MAX_DEPTH:
            return frozenset({UNKNOWN})
        sites = self.call_sites(func)
        if not sites:
            return frozenset({UNKNOWN})
        origins: set[Origin] = set()
        for call, caller, skip_self in sites:
            env = self.env_at(caller, call)
            argument = argument_for(func, call, param, index, skip_self)
            caller_frame = Frame(caller, (), frame.depth + 1)
            if argument is None:
                origins.add(UNKNOWN)
            elif argument is _SELF:
                origins |= (
                    self.evaluate(call.func.value, caller_frame, env) if isinstance(call.func, ast.Attribute) else {UNKNOWN}
                )
            elif argument is _DEFAULT:
                origins |= self.evaluate(param.default, Frame(func.parent or func, (), frame.depth + 1), self._def_env(func))
            else:
                origins |= self.evaluate(argument, caller_frame, env)
        return frozenset(origins)

    def _def_env(self, func: Func) -> Env:
        """The environment a function starts from: its enclosing function's at the def, or the
        module's names."""
        if func.parent is None:
            return {}
        flow = self.flow(func.parent)
        return flow.nested_env.get(id(func.node), flow.final) if func.parent.node is not None else flow.final

    def _root(self, func: Func, param, index: int) -> Source | None:
        """The mapping Dify passes to an entry point's parameter, if it is one."""
        if func.node is None or func.cls is None:
            return None
        for root in self.roots.get(id(func.node), ()):
            if root.index == index or (root.name is not None and param.name == root.name):
                return Source(root.kind, root.source)
        return None

    # keys and attributes ----------------------------------------------------------------------

    def _key(self, receivers: frozenset, key: str) -> frozenset:
        origins: set[Origin] = set()
        for receiver in receivers:
            if isinstance(receiver, Source):
                origins.add(Read(receiver, key))
            elif isinstance(receiver, Read):
                if any(name == key for name, _ in receiver.added):
                    origins.add(UNKNOWN)  # a value the code put in
                else:
                    origins.add(Item(receiver, key))
            elif isinstance(receiver, Built) and receiver.class_name is None:
                if receiver.has(key):
                    origins |= self.key_origins(receiver, key)
                else:
                    origins.add(UNKNOWN)
            elif isinstance(receiver, Instance) and key in receiver.cls.fields:
                origins |= self._field(receiver, key)
            else:
                origins.add(UNKNOWN)
        return frozenset(origins)

    def _attribute(self, node: ast.Attribute, frame: Frame, env: Env) -> frozenset:
        name = dotted(node)
        if name.endswith("runtime.credentials"):
            return frozenset({Source("credentials", frame.func.module.path)})
        owner = self._self_of(node.value, env)
        if owner is not None:  # self.X, also from a function nested in the method
            bound = frame.bound(node.value.id) if owner is frame.func else None  # type: ignore[attr-defined]
            if bound is not None and any(isinstance(o, Instance) for o in bound):
                return self._attribute_of(bound, node.attr, frame)
            return self._self_attribute(owner.cls, node.attr, frame)
        receivers = self.evaluate(node.value, frame, env)
        return self._attribute_of(receivers, node.attr, frame)

    @staticmethod
    def _self_of(node: ast.expr, env: Env) -> Func | None:
        """The method whose `self` the name is, or None."""
        if not isinstance(node, ast.Name):
            return None
        binding = env.get(node.id)
        if binding is None or len(binding.defs) != 1:
            return None
        definition = binding.defs[0]
        func = definition.func
        if definition.kind == "param" and definition.index == 0 and func is not None and func.is_method:
            return func
        return None

    def _attribute_of(self, receivers: frozenset, attribute: str, frame: Frame) -> frozenset:
        origins: set[Origin] = set()
        for receiver in receivers:
            if isinstance(receiver, Instance):
                if attribute in receiver.cls.fields:
                    origins |= self._field(receiver, attribute)
                else:
                    origins |= self._self_attribute(receiver.cls, attribute, frame)
            elif isinstance(receiver, Read) and receiver.form not in (DICT, None):
                origins.add(Item(receiver, attribute))
            else:
                origins.add(UNKNOWN)
        return frozenset(origins)

    def _field(self, instance: Instance, name: str) -> frozenset:
        for keyword, origins in instance.keywords:
            if keyword == name:
                return origins
        form = annotation_form(instance.cls.fields.get(name))
        origins: set[Origin] = set()
        for source in instance.validated_from:
            if isinstance(source, Source):
                origins.add(Read(source, name, form))
            elif isinstance(source, Read):
                origins.add(Item(source, name))
            else:
                origins.add(UNKNOWN)
        return frozenset(origins) or frozenset({UNKNOWN})

    def _self_attribute(self, cls: ClassInfo | None, attribute: str, frame: Frame) -> frozenset:
        if cls is None:
            return frozenset({UNKNOWN})
        origins: set[Origin] = set()
        found = False
        chain = self.class_chain(cls)
        for info in chain:
            for method in info.methods.values():
                flow = self.flow(method)
                for name, value, env in flow.self_assigns:
                    if name == attribute:
                        found = True
                        origins |= self.evaluate(value, Frame(method, (), frame.depth), env)
            if not found and attribute in info.values:
                found = True
                body = self.index(info.module).body
                origins |= self.evaluate(info.values[attribute], Frame(body), self.flow(body).final)
        if not found:
            return frozenset({UNKNOWN})
        if any(attribute in self.flow(m).self_mutated for info in chain for m in info.methods.values()):
            origins = {with_keys(o, frozenset(), True) for o in origins}  # keys put in elsewhere
        return frozenset(origins)

    def class_chain(self, cls: ClassInfo) -> list[ClassInfo]:
        """The class and its base classes defined in the plugin (at most eight)."""
        chain = [cls]
        pending = [cls]
        while pending and len(chain) < 8:
            current = pending.pop(0)
            for base in current.base_names:
                resolved = self.resolve_class(current.module, base)
                if resolved is not None and resolved not in chain:
                    chain.append(resolved)
                    pending.append(resolved)
        return chain

    # calls -------------------------------------------------------------------------------

    def _call(self, node: ast.Call, frame: Frame, env: Env) -> frozenset:
        func_node = node.func
        callee = dotted(func_node)
        args = call_arguments(node)
        if isinstance(func_node, ast.Attribute):
            method = func_node.attr
            if method in ("get", "pop") and args and not args[0].keyword and not args[0].star:
                key = string_value(args[0].value)
                if key is None:
                    return frozenset({UNKNOWN})
                receivers = self.evaluate(func_node.value, frame, env)
                found = self._key(receivers, key)
                if len(args) > 1:
                    found |= self.evaluate(args[1].value, frame, env)
                return found
            if method in ("copy", "model_copy") and not args:
                return self.evaluate(func_node.value, frame, env)
            if method in ("model_dump", "dict", "to_dict"):
                return frozenset(as_dict(o) for o in self.evaluate(func_node.value, frame, env))
        if callee in ("copy.copy", "copy.deepcopy", "deepcopy", "copy") and len(args) == 1:
            return self.evaluate(args[0].value, frame, env)
        if callee in ("cast", "typing.cast") and len(args) == 2:
            return self.evaluate(args[1].value, frame, env)
        if callee == "dict":
            if len(args) == 1 and not args[0].keyword and not args[0].star:
                return frozenset(as_dict(o) for o in self.evaluate(args[0].value, frame, env))
            return frozenset({self._built(node, args, None, frame, env)})
        config = self.config_class(frame.func.module, func_node, env)
        if config is not None:
            class_name, how = config
            if how == "call":
                return frozenset({self._built(node, args, class_name, frame, env)})
            if how == "validate" and len(args) == 1 and not args[0].keyword:
                spread = self.evaluate(args[0].value, frame, env)
                return frozenset({Built(node, class_name, (), (spread,), False, frame, env)})
            return frozenset({UNKNOWN})
        if frame.depth >= MAX_DEPTH:
            return frozenset({UNKNOWN})
        # the plugin's own classes and functions
        target = self.resolve_callable(func_node, frame, env)
        if isinstance(target, tuple):  # (ClassInfo, how)
            cls, how = target
            return frozenset({self._instance(cls, how, args, frame, env)})
        if isinstance(target, Func):
            return self._returns(target, node, frame, env, skip_self=skips_self(target, func_node))
        return frozenset({UNKNOWN})

    def _instance(self, cls: ClassInfo, how: str, args: list[Arg], frame: Frame, env: Env) -> Instance:
        validated: set[Origin] = set()
        keywords = []
        if how == "validate":
            if len(args) >= 1:
                validated |= self.evaluate(args[0].value, frame, env)
        else:
            for arg in args:
                if arg.star == "**":
                    validated |= self.evaluate(arg.value, frame, env)
                elif arg.keyword is not None:
                    keywords.append((arg.keyword, self.evaluate(arg.value, frame, env)))
        return Instance(cls, frozenset(validated), tuple(keywords))

    def _built(self, node: ast.Call, args: list[Arg], class_name: str | None, frame: Frame, env: Env) -> Built:
        keys = []
        spreads = []
        opened = False
        for arg in args:
            if arg.star == "**":
                spreads.append(self.evaluate(arg.value, frame, env))
            elif arg.star:
                opened = True
            elif arg.keyword is not None:
                keys.append((arg.keyword, arg.value))
            else:
                opened = True  # a positional argument: dict(x) is handled before, a model takes none
        return Built(node, class_name, tuple(keys), tuple(spreads), opened, frame, env)

    def _dict_display(self, node: ast.Dict, frame: Frame, env: Env) -> Built:
        keys = []
        spreads = []
        opened = False
        for key_node, value in zip(node.keys, node.values):
            if key_node is None:
                spreads.append(self.evaluate(value, frame, env))
                continue
            key = string_value(key_node)
            if key is None:
                opened = True
            else:
                keys.append((key, value))
        return Built(node, None, tuple(keys), tuple(spreads), opened, frame, env)

    def _returns(self, callee: Func, call: ast.Call, frame: Frame, env: Env, skip_self: bool) -> frozenset:
        flow = self.flow(callee)
        if flow.generator or callee.node is None:
            return frozenset({UNKNOWN})
        bindings = []
        for index, param in enumerate(callee.params):
            argument = argument_for(callee, call, param, index, skip_self)
            if argument is None:
                origins = frozenset({UNKNOWN})
            elif argument is _DEFAULT:
                origins = self.evaluate(param.default, Frame(callee.parent or callee, (), frame.depth + 1), self._def_env(callee))
            elif argument is _SELF:
                receiver = call.func.value  # type: ignore[attr-defined]
                if isinstance(receiver, ast.Name) and receiver.id == frame.func.self_name:
                    continue  # self calling its own method: `self` stays the class's
                origins = self.evaluate(receiver, frame, env)
            else:
                origins = self.evaluate(argument, frame, env)
            bindings.append((param.name, origins))
        callee_frame = Frame(callee, tuple(bindings), frame.depth + 1)
        origins_found: set[Origin] = set()
        if not flow.returns:
            return frozenset({Const("none")})
        for value, return_env in flow.returns:
            if value is None:
                origins_found.add(Const("none"))
            else:
                origins_found |= self.evaluate(value, callee_frame, return_env)
        return frozenset(origins_found)

    # resolution --------------------------------------------------------------------------

    def config_class(self, module: PyModule, func_node: ast.expr, env: Env | None = None) -> tuple[str, str] | None:
        """(config class name, "call" | "validate" | "other") when `func_node` names an SDK config class."""
        how = "call"
        if isinstance(func_node, ast.Attribute) and func_node.attr in (
            "model_validate",
            "parse_obj",
            "model_construct",
            "construct",
        ):
            how = "validate" if func_node.attr in ("model_validate", "parse_obj") else "other"
            func_node = func_node.value
        name = dotted(func_node)
        last = name.split(".")[-1]
        if last not in CONFIG_CLASSES:
            return None
        index = self.index(module)
        if last in index.classes:
            return None  # the plugin's own class of that name
        if last == "ModelConfig" and "workflow_node." not in name:
            # a name this common counts only when imported from the SDK's workflow_node module
            head = name.split(".")[0]
            local = env.get(head) if env else None
            if local is not None:
                imports = [d.node for d in local.defs if d.kind == "import"]
                from_sdk = any(isinstance(i, ast.ImportFrom) and "workflow_node" in (i.module or "") for i in imports)
            else:
                outline = self.resolver.outline(module.path)
                binding = outline.imports.get(head) if outline is not None else None
                from_sdk = binding is not None and "workflow_node" in binding.module
            if not from_sdk:
                return None
        return last, how

    def resolve_callable(self, func_node: ast.expr, frame: Frame, env: Env) -> Any:
        """A Func, or (ClassInfo, "call" | "validate"), for a call of the plugin's own code."""
        module = frame.func.module
        if isinstance(func_node, ast.Name):
            name = func_node.id
            binding = env.get(name)
            if binding is None:
                return self.resolve_name(module, name)
            targets = {id(t): t for t in (self._def_target(module, d, name) for d in binding.defs)}
            if len(targets) != 1:
                return None
            return next(iter(targets.values()))
        if isinstance(func_node, ast.Attribute):
            method = func_node.attr
            receiver = func_node.value
            if method in ("model_validate", "parse_obj"):
                if not isinstance(receiver, ast.Name):
                    return None
                found = self.resolve_callable(receiver, frame, env)
                return (found[0], "validate") if isinstance(found, tuple) else None
            func = frame.func
            if isinstance(receiver, ast.Name) and receiver.id == func.self_name and func.cls is not None:
                bound = frame.bound(receiver.id)
                classes = {o.cls for o in bound if isinstance(o, Instance)} if bound is not None else set()
                if not classes:
                    return self.method(func.cls, method)
                return self.method(classes.pop(), method) if len(classes) == 1 else None
            if isinstance(receiver, ast.Call) and dotted(receiver.func) == "super" and func.cls is not None:
                for info in self.class_chain(func.cls)[1:]:
                    if method in info.methods:
                        return info.methods[method]
                return None
            if isinstance(receiver, ast.Name):
                binding = env.get(receiver.id)
                if binding is None:
                    target = self.resolve_name(module, receiver.id)
                elif len(binding.defs) == 1:
                    target = self._def_target(module, binding.defs[0], receiver.id)
                else:
                    target = None
                if isinstance(target, tuple):
                    return self.method(target[0], method)
            origins = self.evaluate(receiver, frame, env)
            classes = {o.cls for o in origins if isinstance(o, Instance)}
            if len(classes) == 1 and all(isinstance(o, Instance) for o in origins):
                return self.method(classes.pop(), method)
        return None

    def _def_target(self, module: PyModule, definition, name: str) -> Any:
        """What a name bound by a def, class or import statement refers to (None: unknown)."""
        index = self.index(module)
        if definition.kind == "def":
            node = definition.node
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                return index.funcs.get(id(node))
            for info in index.all_classes:
                if info.node is node:
                    return (info, "call")
            return None
        if definition.kind == "import":
            statement = definition.node
            if isinstance(statement, ast.ImportFrom):
                for alias in statement.names:
                    if (alias.asname or alias.name) == name and alias.name != "*":
                        written = "." * statement.level + (statement.module or "")
                        ref = self.resolver.module(written, module.path)
                        target = self._module_at(ref.path) if ref.kind == "mod" and ref.path else None
                        return self.resolve_name(target, alias.name) if target is not None else None
            return None
        return None

    def method(self, cls: ClassInfo, name: str) -> Func | None:
        for info in self.class_chain(cls):
            if name in info.methods:
                return info.methods[name]
        return None

    def resolve_name(self, module: PyModule, name: str) -> Any:
        """The module-level def or class of the plugin that `name` refers to in `module`."""
        if not name or "." in name:
            return None
        ref = self.resolver.resolve(name, module.path)
        if ref.kind not in ("class", "func"):
            return None
        target = self._module_at(ref.path)
        if target is None:
            return None
        index = self.index(target)
        if ref.kind == "func":
            return index.functions.get(ref.name)
        info = index.classes.get(ref.name)
        return (info, "call") if info is not None else None

    def resolve_class(self, module: PyModule, name: str) -> ClassInfo | None:
        if not name:
            return None
        if "." in name:
            ref = self.resolver.resolve(name, module.path)
            target = self._module_at(ref.path) if ref.kind == "class" else None
            return self.index(target).classes.get(ref.name) if target is not None else None
        found = self.resolve_name(module, name)
        return found[0] if isinstance(found, tuple) else None

    # callers -----------------------------------------------------------------------------

    def call_sites(self, func: Func) -> list[tuple[ast.Call, Func, bool]]:
        """Every call of `func` in the plugin: (call node, calling Func, whether `self` is implicit)."""
        cached = self._callers.get(id(func))
        if cached is not None:
            return cached
        self._callers[id(func)] = []
        sites: list[tuple[ast.Call, Func, bool]] = []
        is_init = func.name == "__init__"
        wanted = func.cls.name if is_init and func.cls is not None else func.name
        for module in self.modules:
            if wanted not in module.text:
                continue
            for caller in self.index(module).ordered:
                flow = self.flow(caller)
                for call in flow.calls:
                    callee = call.func
                    last = (
                        callee.attr if isinstance(callee, ast.Attribute) else callee.id if isinstance(callee, ast.Name) else None
                    )
                    if last != wanted:
                        continue
                    env = flow.call_env.get(id(call)) or {}
                    if is_init:
                        target = self.resolve_callable(callee, Frame(caller, (), MAX_DEPTH), env)
                        if isinstance(target, tuple) and target[0] is func.cls:
                            sites.append((call, caller, True))
                        continue
                    target = self.resolve_callable(callee, Frame(caller, (), MAX_DEPTH - 1), env)
                    if target is func:
                        sites.append((call, caller, skips_self(func, callee)))
        self._callers[id(func)] = sites
        return sites


def skips_self(func: Func, callee_node: ast.expr) -> bool:
    """Whether a call supplies `self` implicitly (a bound method call)."""
    if not func.is_method:
        return False
    if func.name == "__init__":
        return True
    if isinstance(callee_node, ast.Attribute):
        is_classmethod = "classmethod" in decorator_names(func.node)
        receiver = callee_node.value
        if isinstance(receiver, ast.Name) and func.cls is not None and receiver.id == func.cls.name and not is_classmethod:
            return False
        return True
    return False


def argument_for(func: Func, call: ast.Call, param, index: int, skip_self: bool) -> Any:
    """The expression a call passes for a parameter, _DEFAULT, _SELF, or None when unknown."""
    positional = func.positional
    offset = 1 if skip_self else 0
    if skip_self and index == 0 and positional and positional[0] is param:
        return _SELF
    position = 0
    for arg in call_arguments(call):
        if arg.star:
            return None  # *args or **kwargs might supply it
        if arg.keyword is None:
            slot = position + offset
            if slot < len(positional) and positional[slot] is param:
                return arg.value
            position += 1
        elif arg.keyword == param.name:
            return arg.value
    if param.default is not None:
        return _DEFAULT
    return None


def annotation_form(annotation: ast.expr | None) -> str:
    """The form of a pydantic field's value: a config class name, or DICT."""
    if annotation is None:
        return DICT
    if isinstance(annotation, ast.Subscript):  # Optional[X], Union[...], dict[str, Any]
        base = dotted(annotation.value).split(".")[-1]
        if base in ("Optional",):
            inner = annotation.slice
            return annotation_form(inner) if not isinstance(inner, (ast.Slice, ast.Tuple)) else DICT
        return DICT if base in ("dict", "Dict", "Mapping") else "other"
    if isinstance(annotation, ast.BinOp) and isinstance(annotation.op, ast.BitOr):
        left = annotation_form(annotation.left)
        right = annotation_form(annotation.right)
        return left if name_text(annotation.right) == "None" else right if name_text(annotation.left) == "None" else "other"
    if isinstance(annotation, ast.Constant) and isinstance(annotation.value, str):
        return "other"
    name = dotted(annotation).split(".")[-1]
    if name in CONFIG_CLASSES:
        return name
    if name in ("dict", "Dict", "Mapping", "Any"):
        return DICT
    return "other"


__all__ = ["DICT_TYPES", "Frame", "Root", "ValueFlow", "annotation_form", "argument_for", "skips_self"]
