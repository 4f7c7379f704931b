"""Imports point down DESIGN.md's layer list only: a lower layer never imports a higher one."""

import ast
import pathlib

import theano

ROOT = pathlib.Path(theano.__file__).parent
# Lowest first; a module may import its own layer and the layers before it.
LAYERS = [
    ("theano.configparser", "theano.configdefaults"),
    ("theano.graph", "theano.gof"),
    ("theano.scalar",),
    ("theano.tensor",),
    ("theano.gradient",),
    ("theano.scan", "theano.ifelse"),
    ("theano.link",),
    ("theano.compile",),
    ("theano.printing",),
]


def layer_of(module: str) -> int | None:
    for level, prefixes in enumerate(LAYERS):
        if any(module == p or module.startswith(p + ".") for p in prefixes):
            return level
    return None


def module_level_imports(path):
    tree = ast.parse(path.read_text())
    for stmt in tree.body:
        if isinstance(stmt, ast.ImportFrom) and stmt.module and stmt.level == 0:
            yield stmt.module
        elif isinstance(stmt, ast.Import):
            yield from (a.name for a in stmt.names)


def test_no_module_imports_a_higher_layer():
    bad = []
    for path in ROOT.rglob("*.py"):
        mod = "theano." + ".".join(path.relative_to(ROOT).with_suffix("").parts)
        mod = mod.removesuffix(".__init__")
        own = layer_of(mod)
        if own is None:
            continue
        for target in module_level_imports(path):
            lvl = layer_of(target)
            if lvl is not None and lvl > own:
                bad.append(f"{mod} imports {target}")
    assert not bad, bad
