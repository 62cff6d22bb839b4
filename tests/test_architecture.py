"""The packages import in one direction only (utils/__init__.py, ARCHITECTURE.md), and each says so in its docstring.

Every `import` and `from ... import` of the project's own modules, at the top of a module or inside a
function, is read with `ast`; a module may import its own layer or a lower one, never a higher one,
and evaluation and analysis never import each other.
"""

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
# Lower numbers are lower layers; "front" is dcgan.py and the notebooks' helper, which nothing imports.
LAYERS = {
    "utils.errors": 0, "utils.files": 0, "utils.data": 0, "utils.startup": 0, "utils.progress": 0,
    "model": 1,
    "utils.pictures": 2,
    "utils.training": 3,
    "utils.evaluation": 4, "utils.analysis": 4,
    "utils.notebook": 5, "dcgan": 5,
}
PACKAGES = ["model", "utils/data", "utils/pictures", "utils/training", "utils/evaluation", "utils/analysis"]


def layer_of(module: str) -> str | None:
    """The LAYERS key that `module` (dotted) belongs to, or None for third-party modules."""
    matches = [key for key in LAYERS if module == key or module.startswith(key + ".")]
    return max(matches, key=len) if matches else None


def own_imports(path: Path) -> list[tuple[int, str]]:
    """(line, dotted module) for every import of the project's modules in the file at `path`."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            # `from utils import notebook` imports utils.notebook; `from utils.data import base` utils.data.base.
            found += [(node.lineno, f"{node.module}.{alias.name}") for alias in node.names]
    return [(line, module) for line, module in found if layer_of(module)]


def library_files() -> list[Path]:
    return sorted([REPO / "dcgan.py", *(REPO / "model").rglob("*.py"), *(REPO / "utils").rglob("*.py")])


def module_name(path: Path, repo: Path = REPO) -> str:
    return ".".join(path.relative_to(repo).with_suffix("").parts).removesuffix(".__init__")


def upward_imports(path: Path, repo: Path = REPO) -> list[str]:
    here = layer_of(module_name(path, repo))
    problems = []
    for line, module in own_imports(path):
        there = layer_of(module)
        if there == "utils" or there is None:
            continue
        siblings = {here, there} == {"utils.evaluation", "utils.analysis"}
        if LAYERS[there] > LAYERS[here] or siblings or there in ("dcgan", "utils.notebook") and here != there:
            problems.append(f"{path.relative_to(repo)}:{line} ({here}) imports {module} ({there})")
    return problems


def test_every_library_module_has_a_layer():
    assert [module_name(path) for path in library_files() if layer_of(module_name(path)) is None] == ["utils"]


def test_no_module_imports_upwards():
    problems = [problem for path in library_files() for problem in upward_imports(path)]
    assert problems == [], "\n".join(problems)


def test_the_checker_sees_upward_and_sideways_imports(tmp_path):
    """Lazy imports (inside a function) count; evaluation and analysis may not import each other."""
    (tmp_path / "model").mkdir()
    (tmp_path / "utils" / "analysis").mkdir(parents=True)
    upward = tmp_path / "model" / "bad.py"
    upward.write_text("def f():\n    from utils.training import trainer\n    return trainer\n")
    sideways = tmp_path / "utils" / "analysis" / "bad.py"
    sideways.write_text("from utils.evaluation import features\nfrom utils.pictures import images\n")
    assert upward_imports(upward, tmp_path) == [
        "model/bad.py:2 (model) imports utils.training.trainer (utils.training)"]
    assert upward_imports(sideways, tmp_path) == [
        "utils/analysis/bad.py:1 (utils.analysis) imports utils.evaluation.features (utils.evaluation)"]


@pytest.mark.parametrize("package", PACKAGES)
def test_each_package_says_what_lives_there_and_what_it_may_import(package):
    docstring = ast.get_docstring(ast.parse((REPO / package / "__init__.py").read_text()))
    assert docstring and "may import" in docstring.lower(), package


def test_model_imports_nothing_of_utils_but_the_error_types():
    imported = {module for path in (REPO / "model").rglob("*.py") for _, module in own_imports(path)
                if module.startswith("utils")}
    assert imported <= {"utils.errors.UsageError", "utils.errors.MissingError"}, imported


def test_the_error_module_imports_nothing_of_the_project():
    assert own_imports(REPO / "utils" / "errors.py") == []
