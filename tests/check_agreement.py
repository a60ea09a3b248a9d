"""Check, over real plugins, that the fast paths decide exactly as the slow ones.

    python tests/check_agreement.py TREE [TREE ...]

For every YAML file under the trees: the plain data builder against the general pass (same
values, same types, same typed keys, wherever the plain builder takes the file), and for every
usable document the compiled schema check against jsonschema under every schema (not only the
one its kind would pick, so that every part of every schema meets real data), and the errors
jsonschema finds when it skips what the compiled check accepts against those it finds alone.
Prints the counts
and each disagreement; exits 0 when there is none, 1 otherwise.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent / "model"))

from test_schemacheck import error_tree, plain_validator  # noqa: E402
from test_yamldoc_plain import typed  # noqa: E402

from dify_lint.model import schema  # noqa: E402
from dify_lint.model.yamldoc import YamlDoc, _build_plain, _Loader  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("trees", nargs="+", type=Path)
    args = parser.parse_args()
    kinds = sorted(path.stem for path in schema.SCHEMA_DIR.glob("*.json"))
    files = sorted(
        path
        for tree in args.trees
        for path in tree.rglob("*")
        if path.suffix in (".yaml", ".yml") and path.is_file() and ".venv" not in path.parts
    )
    counts = dict.fromkeys(("files", "plain", "general", "usable", "checks", "valid"), 0)
    disagreements: list[str] = []
    for path in files:
        try:
            text = path.read_text("utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        counts["files"] += 1
        loader = _Loader(text)
        try:
            root = loader.get_single_node()
        except Exception:  # noqa: BLE001 - not YAML: neither builder runs
            root = None
        finally:
            loader.dispose()
        if root is not None:
            plain = _build_plain(root, loader)
            general = YamlDoc(path=str(path), text=text, root=root)
            general._build_general(loader)
            if plain is None:
                counts["general"] += 1
            else:
                counts["plain"] += 1
                data, typed_keys = plain
                if not general.usable or general.problems or typed(data) != typed(general.data):
                    disagreements.append(f"{path}: the plain builder's data differs")
                elif set(typed_keys) != set(general.typed_keys):
                    disagreements.append(f"{path}: the plain builder's typed keys differ")
        doc = YamlDoc.parse(str(path), text)
        if not doc.usable:
            continue
        counts["usable"] += 1
        for kind in kinds:
            fast = schema.fast_check(kind)(doc.data)
            counts["checks"] += 1
            counts["valid"] += fast
            plain = error_tree(plain_validator(kind).iter_errors(doc.data))
            if fast != (not plain):
                disagreements.append(f"{path} as {kind}: compiled check says {'valid' if fast else 'invalid'}")
            elif error_tree(schema.validator(kind).iter_errors(doc.data)) != plain:
                disagreements.append(f"{path} as {kind}: pruned validation finds other errors")
    print(
        f"{counts['files']} YAML files: {counts['plain']} built by the plain builder, {counts['general']} by the general"
        f" pass only; {counts['usable']} usable documents checked under {len(kinds)} schemas ="
        f" {counts['checks']} checks ({counts['valid']} valid); {len(disagreements)} disagreements"
    )
    for line in disagreements:
        print(line)
    return 1 if disagreements else 0


if __name__ == "__main__":
    sys.exit(main())
