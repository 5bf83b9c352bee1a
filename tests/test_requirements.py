"""The runtime install is the product: every third-party module the running code imports
(dashboard/, data/, layouts/, callbacks/, at the top of a module or inside a function) is
provided by a distribution requirements.txt names, not only requirements-test.txt or
something else that happens to be installed (``python -m dashboard briefing`` once failed
on ``make run``'s install because playwright was a test requirement only).

And the lock (requirements.lock, written by scripts/lock.sh) pins the whole dependency
closure of requirements.txt, each distribution at the version installed here, agreeing
with requirements.txt's own pins.
"""

from __future__ import annotations

import ast
import re
import sys
from importlib import metadata
from pathlib import Path

from packaging.markers import default_environment
from packaging.requirements import Requirement

from tests.conftest import ROOT

RUNTIME_PACKAGES = ("dashboard", "data", "layouts", "callbacks")
FIRST_PARTY = set(RUNTIME_PACKAGES) | {"tests", "bench", "scripts"}


def canonical(name: str) -> str:
    """A distribution's name as PEP 503 compares them."""
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_lines(path: Path) -> list[str]:
    """The requirement lines of a pip requirements file (no comments, options or -r)."""
    lines = []
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.split(" #", 1)[0].strip()
        if line and not line.startswith(("#", "-")):
            lines.append(line)
    return lines


def requirements(path: Path) -> list[Requirement]:
    return [Requirement(line) for line in requirement_lines(path)]


def imported_modules(folder: Path) -> dict[str, str]:
    """Top-level names of the absolute imports in ``folder``'s Python files, each with one
    file (and line) that imports it."""
    found: dict[str, str] = {}
    for path in sorted(folder.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                found.setdefault(name.split(".")[0],
                                 f"{path.relative_to(folder.parent)}:{node.lineno}")
    return found


def test_the_parser_sees_imports_inside_functions(tmp_path):
    (tmp_path / "m.py").write_text("import os\ndef f():\n    from openpyxl import Workbook\n"
                                   "    import playwright.sync_api\nfrom . import x\n")
    assert set(imported_modules(tmp_path)) == {"os", "openpyxl", "playwright"}


def test_every_runtime_import_comes_from_requirements_txt():
    listed = {canonical(r.name) for r in requirements(ROOT / "requirements.txt")}
    providers = metadata.packages_distributions()
    missing = []
    for package in RUNTIME_PACKAGES:
        for module, where in imported_modules(ROOT / package).items():
            if module in sys.stdlib_module_names or module in FIRST_PARTY:
                continue
            dists = {canonical(d) for d in providers.get(module, [])}
            if not dists & listed:
                missing.append(f"{module} ({where}): provided by {sorted(dists) or 'nothing installed'}")
    assert not missing, "imported by the running product, not in requirements.txt:\n" + \
        "\n".join(missing)


# --- the lock ---------------------------------------------------------------------------------

def locked(path: Path) -> dict[str, str]:
    """distribution (canonical) -> version, of a lock file; every line must be name==version."""
    pins = {}
    for line in requirement_lines(path):
        name, sep, version = line.partition("==")
        assert sep and re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", name.strip()) \
            and re.fullmatch(r"[0-9][0-9A-Za-z.+!-]*", version.strip()), \
            f"{path.name}: {line!r} is not name==version"
        pins[canonical(name)] = version.strip()
    return pins


def closure(roots: list[Requirement]) -> dict[str, set[str]]:
    """Every distribution that ``roots`` need on this machine (markers evaluated for this
    Python, extras followed), from the installed distributions' metadata: name ->
    the names that asked for it."""
    environment = default_environment()
    needed: dict[str, set[str]] = {}
    todo = [(r, "requirements.txt") for r in roots]
    seen: set[tuple[str, frozenset]] = set()
    while todo:
        req, asked_by = todo.pop()
        name = canonical(req.name)
        needed.setdefault(name, set()).add(asked_by)
        key = (name, frozenset(req.extras))
        if key in seen:
            continue
        seen.add(key)
        for text in metadata.distribution(req.name).requires or []:
            child = Requirement(text)
            extras = req.extras or {""}
            if child.marker is None or any(
                    child.marker.evaluate({**environment, "extra": extra}) for extra in extras):
                todo.append((child, name))
    return needed


def test_the_lock_pins_the_whole_closure_of_requirements_txt_at_the_installed_versions():
    lock = locked(ROOT / "requirements.lock")
    needed = closure(requirements(ROOT / "requirements.txt"))
    assert len(needed) > 30  # the walk followed the dependencies, not only the direct ones
    unpinned = sorted(name for name in needed if name not in lock)
    assert not unpinned, f"needed but not in requirements.lock: {unpinned}"
    differ = {name: (lock[name], metadata.version(name)) for name in needed
              if metadata.version(name) != lock[name]}
    assert not differ, f"locked vs installed: {differ} (make install, or scripts/lock.sh)"


def test_the_lock_agrees_with_requirements_txt_pins():
    lock = locked(ROOT / "requirements.lock")
    for req in requirements(ROOT / "requirements.txt"):
        (spec,) = req.specifier  # every runtime requirement is pinned, exactly
        assert spec.operator == "==", req
        assert lock.get(canonical(req.name)) == spec.version, req


def test_the_test_lock_holds_the_runtime_lock_and_the_test_pins():
    runtime = locked(ROOT / "requirements.lock")
    test = locked(ROOT / "requirements-test.lock")
    assert {name: test.get(name) for name in runtime} == runtime
    for req in requirements(ROOT / "requirements-test.txt"):
        (spec,) = req.specifier
        assert test.get(canonical(req.name)) == spec.version, req
    assert set(closure(requirements(ROOT / "requirements-test.txt"))) <= set(test)


def test_the_makefile_installs_with_the_locks():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "-r requirements.txt -c requirements.lock" in makefile
    assert "-r requirements-test.txt -c requirements-test.lock" in makefile
