"""The layers of the product's four packages hold, as read from their source with ``ast``.

* ``data/`` is plain Python and SQL: it imports nothing from ``layouts/``, ``callbacks/``,
  ``dashboard/``, nor Dash, Flask, Werkzeug or AG Grid.
* ``layouts/`` builds components: it imports nothing from ``callbacks/`` or ``dashboard/``.
* ``dashboard/`` holds the top (the :data:`TOP` modules) and the services callbacks use
  (every other module, the package's ``__init__`` included): a service imports no top module
  and nothing of ``callbacks/``; of the top, only the app factory imports ``callbacks/``.
* No import cycle runs through these packages' modules.

Every import counts, at module level and inside functions. Which module is which is read
from the tree, so modules may move; only the top of ``dashboard/`` is named here (see the
table in ``dashboard/__init__.py``). The last tests run the same checks on tiny trees made
for them, to show that each one fails on the import it is there to catch.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("data", "layouts", "callbacks", "dashboard")
#: The top of ``dashboard/``: the factory, the command line and the pages it registers.
TOP = frozenset({"dashboard.app", "dashboard.cli", "dashboard.__main__",
                 "dashboard.briefing_export", "dashboard.audit_page", "dashboard.serving",
                 "dashboard.wsgi", "dashboard.cli_serve"})
FACTORY = "dashboard.app"
DATA_MUST_NOT_IMPORT = ("layouts", "callbacks", "dashboard", "dash", "flask", "werkzeug",
                        "dash_ag_grid")
#: What ``data/`` may import although a prefix above names it, and why.
DATA_MAY_IMPORT = {
    # password hashing (salted scrypt): hashlib under werkzeug's stored format, no web
    # machinery; data/users.py keeps the hashes it wrote readable
    "werkzeug.security",
}


@dataclass(frozen=True)
class Import:
    """One import statement's target: ``importer`` (a module) imports ``target`` (a
    dotted module name) on ``line`` of ``path``."""

    importer: str
    path: str
    line: int
    target: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line} imports {self.target}"


def modules(root: Path, packages: Iterable[str] = PACKAGES) -> dict[str, Path]:
    """Dotted module name → file, for every ``.py`` under ``packages`` in ``root``."""
    found = {}
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            parts = list(path.relative_to(root).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


def _absolute(importer: str, is_package: bool, module: str | None, level: int) -> str:
    """The absolute name of ``from {'.' * level}{module} import ...`` in ``importer``."""
    if level == 0:
        return module or ""
    base = importer.split(".") if is_package else importer.split(".")[:-1]
    base = base[:len(base) - (level - 1)]
    return ".".join([*base, module] if module else base)


def imports(root: Path, packages: Iterable[str] = PACKAGES) -> list[Import]:
    """Every import of the modules under ``packages``, at module level and in functions.

    ``from X import name`` imports ``X``, and ``X.name`` too when that is a module of the
    tree (``from dashboard import auth`` imports ``dashboard.auth``)."""
    known = modules(root, packages)
    found = []
    for name, path in known.items():
        rel = str(path.relative_to(root))
        is_package = path.name == "__init__.py"
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=rel)):
            if isinstance(node, ast.Import):
                found += [Import(name, rel, node.lineno, alias.name) for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                source = _absolute(name, is_package, node.module, node.level)
                if source == "__future__":
                    continue
                found.append(Import(name, rel, node.lineno, source))
                found += [Import(name, rel, node.lineno, f"{source}.{alias.name}")
                          for alias in node.names if f"{source}.{alias.name}" in known]
    return found


def _within(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def offending(found: Iterable[Import], importers: Iterable[str],
              forbidden: Iterable[str], allowed: Iterable[str] = ()) -> list[str]:
    """The imports by one of ``importers`` of a module within one of ``forbidden`` (and
    within none of ``allowed``), as ``file:line imports target`` lines."""
    importers, forbidden, allowed = set(importers), tuple(forbidden), tuple(allowed)
    return sorted({str(i) for i in found if i.importer in importers
                   and any(_within(i.target, f) for f in forbidden)
                   and not any(_within(i.target, a) for a in allowed)})


def _package_of(root: Path, packages: Iterable[str], prefix: str) -> list[str]:
    return [name for name in modules(root, packages) if _within(name, prefix)]


def services(root: Path, packages: Iterable[str] = PACKAGES) -> list[str]:
    """The modules of ``dashboard/`` that are not its top (the package itself included)."""
    return [name for name in _package_of(root, packages, "dashboard") if name not in TOP]


def import_graph(root: Path, packages: Iterable[str] = PACKAGES) -> dict[str, set[str]]:
    """Module → the modules of the tree it imports. Importing ``a.b.c`` from outside
    package ``a`` runs ``a/__init__.py`` first, so that import leads to ``a`` as well."""
    known = modules(root, packages)
    graph: dict[str, set[str]] = {name: set() for name in known}
    for found in imports(root, packages):
        parts = found.target.split(".")
        for end in range(1, len(parts) + 1):
            target = ".".join(parts[:end])
            inside = _within(found.importer, target)  # its own package: already running
            if target in known and target != found.importer and not inside:
                graph[found.importer].add(target)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The import cycles of ``graph``: its strongly connected components of more than one
    module (Tarjan's algorithm), each as its sorted module names."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def _files(root: Path, names: Iterable[str], packages: Iterable[str] = PACKAGES) -> list[str]:
    known = modules(root, packages)
    return [str(known[name].relative_to(root)) for name in names]


def _loop(graph: dict[str, set[str]], component: list[str]) -> list[str]:
    """One closed path through ``component``, for the message: a -> b -> ... -> a."""
    members = set(component)
    path = [component[0]]
    while True:
        step = next((n for n in sorted(graph[path[-1]]) if n in members and n not in path),
                    None)
        if step is None:
            back = next(n for n in sorted(graph[path[-1]]) if n in path)
            return path[path.index(back):] + [back]
        path.append(step)


# --- the product's tree ---------------------------------------------------------------------

@pytest.fixture(scope="module")
def found() -> list[Import]:
    return imports(ROOT)


def test_the_tree_is_read(found):
    """The checks below look at something: every package's modules and their imports."""
    names = modules(ROOT)
    for package in PACKAGES:
        assert package in names and len(_package_of(ROOT, PACKAGES, package)) > 1, package
    assert FACTORY in names and set(services(ROOT)) & {"dashboard.auth", "dashboard.settings"}
    assert any(i.importer == FACTORY and _within(i.target, "callbacks") for i in found)


def test_data_imports_no_upper_layer_and_no_web_framework(found):
    bad = offending(found, _package_of(ROOT, PACKAGES, "data"), DATA_MUST_NOT_IMPORT,
                    DATA_MAY_IMPORT)
    assert not bad, "data/ must stay plain Python and SQL:\n" + "\n".join(bad)


def test_layouts_import_no_callbacks_and_no_dashboard(found):
    bad = offending(found, _package_of(ROOT, PACKAGES, "layouts"), ("callbacks", "dashboard"))
    assert not bad, "layouts/ must not reach up:\n" + "\n".join(bad)


def test_dashboard_services_import_no_top_module_and_no_callbacks(found):
    bad = offending(found, services(ROOT), [*TOP, "callbacks"])
    assert not bad, ("a service of dashboard/ imports the top or callbacks/ (see the table "
                     "in dashboard/__init__.py):\n" + "\n".join(bad))


def test_only_the_app_factory_imports_callbacks(found):
    bad = offending(found, set(_package_of(ROOT, PACKAGES, "dashboard")) - {FACTORY},
                    ["callbacks"])
    assert not bad, "only dashboard/app.py registers the callbacks:\n" + "\n".join(bad)


def test_the_import_graph_has_no_cycle():
    graph = import_graph(ROOT)
    loops = [f"{', '.join(_files(ROOT, circle))}\n  e.g. "
             + " -> ".join(_files(ROOT, _loop(graph, circle))) for circle in cycles(graph)]
    assert not loops, "import cycles, each through the files:\n" + "\n".join(loops)


# --- each check fails on what it is there to catch ------------------------------------------

def _tree(root: Path, files: dict[str, str]) -> Path:
    """A tiny tree of the four packages, plus ``files`` (path → source)."""
    base = {f"{package}/__init__.py": "" for package in PACKAGES}
    base |= {"data/store.py": "import sqlalchemy\n", "layouts/text.py": "",
             "callbacks/wall.py": "from data import store\n",
             "dashboard/app.py": "from callbacks import wall\n",
             "dashboard/auth.py": "from layouts.text import t\n"}
    for name, source in (base | files).items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(source)
    return root


@pytest.mark.parametrize("files, forbidden, allowed, bad", [
    ({"data/sums.py": "def f():\n    from layouts import text\n"}, DATA_MUST_NOT_IMPORT,
     DATA_MAY_IMPORT, ["data/sums.py:2 imports layouts", "data/sums.py:2 imports layouts.text"]),
    ({"data/cases/grid.py": "from dash import html\n"}, DATA_MUST_NOT_IMPORT, DATA_MAY_IMPORT,
     ["data/cases/grid.py:1 imports dash"]),
    ({"data/users.py": "from werkzeug.security import check_password_hash\n"
                       "import werkzeug.serving\n"}, DATA_MUST_NOT_IMPORT, DATA_MAY_IMPORT,
     ["data/users.py:2 imports werkzeug.serving"]),
    ({"data/wall.py": "from ..dashboard import services\n"}, DATA_MUST_NOT_IMPORT, (),
     ["data/wall.py:1 imports dashboard"]),
])
def test_the_data_check_finds_a_bad_import(tmp_path, files, forbidden, allowed, bad):
    root = _tree(tmp_path, files)
    assert offending(imports(root), _package_of(root, PACKAGES, "data"), forbidden,
                     allowed) == bad
    assert offending(imports(_tree(tmp_path / "clean", {})),
                     _package_of(tmp_path / "clean", PACKAGES, "data"), forbidden) == []


def test_the_layouts_check_finds_a_bad_import(tmp_path):
    root = _tree(tmp_path, {"layouts/wall.py": "from callbacks.wall import x\n"})
    assert offending(imports(root), _package_of(root, PACKAGES, "layouts"),
                     ("callbacks", "dashboard")) == ["layouts/wall.py:1 imports callbacks.wall"]


@pytest.mark.parametrize("source, bad", [
    ("def f():\n    from dashboard.app import create_app\n",
     "dashboard/auth.py:2 imports dashboard.app"),
    ("from . import cli\n", "dashboard/auth.py:1 imports dashboard.cli"),
    ("from callbacks import wall\n", "dashboard/auth.py:1 imports callbacks"),
])
def test_the_services_check_finds_a_bad_import(tmp_path, source, bad):
    root = _tree(tmp_path, {"dashboard/auth.py": source, "dashboard/cli.py": ""})
    assert bad in offending(imports(root), services(root), [*TOP, "callbacks"])
    assert "dashboard.auth" in services(root) and FACTORY not in services(root)


def test_the_factory_check_finds_another_module_importing_callbacks(tmp_path):
    root = _tree(tmp_path, {"dashboard/cli.py": "def serve():\n    import callbacks.wall\n"})
    assert offending(imports(root), set(_package_of(root, PACKAGES, "dashboard")) - {FACTORY},
                     ["callbacks"]) == ["dashboard/cli.py:2 imports callbacks.wall"]


def test_the_cycle_check_finds_a_circle_and_names_its_files(tmp_path):
    root = _tree(tmp_path, {"dashboard/briefing_export.py":
                            "def serving():\n    from dashboard.app import create_app\n",
                            "dashboard/app.py": "from dashboard import briefing_export\n"})
    graph = import_graph(root)
    assert cycles(graph) == [["dashboard.app", "dashboard.briefing_export"]]
    assert _files(root, _loop(graph, cycles(graph)[0])) == [
        "dashboard/app.py", "dashboard/briefing_export.py", "dashboard/app.py"]


def test_the_cycle_check_follows_a_package_init(tmp_path):
    """A package's ``__init__`` that imports the factory closes a circle with every callback
    that imports a service of that package."""
    root = _tree(tmp_path, {"dashboard/__init__.py": "from dashboard.app import create_app\n",
                            "callbacks/__init__.py": "from callbacks import wall\n",
                            "callbacks/wall.py": "from dashboard import auth\n"})
    assert cycles(import_graph(root)) == [
        ["callbacks", "callbacks.wall", "dashboard", "dashboard.app"]]
    assert cycles(import_graph(_tree(tmp_path / "clean", {}))) == []
