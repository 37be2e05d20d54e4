"""The engine is a library: importing any of it must not import Django (services translate)."""

import os
import pkgutil
import subprocess
import sys
from pathlib import Path

import recommendations.engine

ROOT = Path(__file__).resolve().parents[2]
CHECK = """
import importlib, sys
for name in sys.argv[1:]:
    importlib.import_module(name)
leaked = sorted(m for m in sys.modules if m == "django" or m.startswith("django."))
print("LEAKED " + " ".join(leaked) if leaked else "CLEAN")
"""


def engine_modules() -> list[str]:
    package = recommendations.engine
    names = [info.name for info in pkgutil.iter_modules(package.__path__, prefix=f"{package.__name__}.")]
    return [package.__name__, *names]


def test_every_engine_module_imports_without_django():
    modules = engine_modules()
    # neural (torch) included: it is the module most likely to grow imports.
    assert "recommendations.engine.neural" in modules or not (ROOT / "recommendations/engine/neural").is_dir()
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}
    result = subprocess.run(
        [sys.executable, "-c", CHECK, *modules], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "CLEAN", f"{result.stdout.strip()} (importing {', '.join(modules)})"


def test_the_list_covers_the_modules_on_disk():
    on_disk = {path.stem for path in (ROOT / "recommendations/engine").glob("*.py") if path.stem != "__init__"}
    listed = {name.rsplit(".", 1)[-1] for name in engine_modules()}
    assert on_disk <= listed
