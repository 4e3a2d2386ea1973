"""The built wheel carries the built-in content, and an installed copy finds it.

The wheel is built twice, as a release is: straight from the checkout (what `pip install .` does) and
from the sdist (what `python -m build` and an install from PyPI's sdist do). The wheel made from the sdist
is then installed, not in editable mode, into a throwaway folder, and the command line is run from it
with the checkout nowhere on the path: a product that still read scenarios, the rubric or the models
from the repository's top-level folders would pass every other test and fail here.
"""

import json
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
# The top-level folders the wheel carries under simulator/builtin/.
BUILTIN_FOLDERS = ("scenarios", "rubrics", "models")
BUILD_TIMEOUT = 300
RUN_TIMEOUT = 180

SCRIPT = """\
Hello Margaret, I'm Sam, one of the practice nurses. What would you like to talk about today?
It sounds like the breathing has been getting in the way of things that matter to you.
What would you most like to be able to do again?
So getting out and seeing people matters a lot. What might help you get there?
"""


def _run(command: list[str], *, cwd: Path, env: dict[str, str] | None = None,
         timeout: int = RUN_TIMEOUT) -> subprocess.CompletedProcess[str]:
    """Run a command; fail the test with its output if it does not exit 0."""
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False)
    assert done.returncode == 0, (f"{' '.join(command)} exited {done.returncode}\n"
                                  f"--- stdout\n{done.stdout}\n--- stderr\n{done.stderr}")
    return done


def _expected_builtin() -> set[str]:
    """The names the wheel must hold: every file of the top-level content folders, under simulator/builtin/."""
    names = set()
    for folder in BUILTIN_FOLDERS:
        for path in (REPO / folder).rglob("*"):
            relative = path.relative_to(REPO)
            if path.is_file() and not any(part.startswith(".") or part == "__pycache__" for part in relative.parts):
                names.add(f"simulator/builtin/{relative.as_posix()}")
    return names


def _builtin_names(wheel: Path) -> set[str]:
    with zipfile.ZipFile(wheel) as archive:
        return {name for name in archive.namelist() if name.startswith("simulator/builtin/")}


@pytest.fixture(scope="module")
def build_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """An environment in which this interpreter can import hatchling, the build backend.

    The venv's own hatchling when it has one (nothing is fetched); otherwise hatchling is installed into a
    throwaway folder from pip's configured indexes, and the tests are skipped if that cannot be done."""
    env = dict(os.environ)
    probe = subprocess.run([sys.executable, "-c", "import hatchling.build"], capture_output=True, check=False)
    if probe.returncode == 0:
        return env
    target = tmp_path_factory.mktemp("hatchling")
    fetched = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--retries", "0",
         "--timeout", "15", "--target", str(target), "hatchling>=1.25"],
        capture_output=True, text=True, timeout=BUILD_TIMEOUT, check=False)
    if fetched.returncode != 0:
        pytest.skip("the build backend hatchling is not installed in this environment and pip could not fetch "
                    f"it (pip install hatchling, or the project's test extras, to run this):\n{fetched.stderr}")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(target), env.get("PYTHONPATH")]))
    return env


@pytest.fixture(scope="module")
def sdist(build_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sdist, built from the checkout through the backend's PEP 517 hook."""
    out = tmp_path_factory.mktemp("sdist")
    done = _run([sys.executable, "-c", "import sys; from hatchling.build import build_sdist; "
                 "print(build_sdist(sys.argv[1]))", str(out)], cwd=REPO, env=build_env, timeout=BUILD_TIMEOUT)
    return out / done.stdout.strip().splitlines()[-1]


def _pip_wheel(source: Path, out: Path, env: dict[str, str]) -> Path:
    """Build one wheel with pip, offline: no index, no isolated build environment to fill."""
    _run([sys.executable, "-m", "pip", "wheel", "--quiet", "--disable-pip-version-check", "--no-deps",
          "--no-index", "--no-build-isolation", "--wheel-dir", str(out), str(source)],
         cwd=out, env=env, timeout=BUILD_TIMEOUT)
    (wheel,) = out.glob("simulator-*.whl")
    return wheel


@pytest.fixture(scope="module")
def tree_wheel(build_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel built straight from the checkout."""
    return _pip_wheel(REPO, tmp_path_factory.mktemp("tree-wheel"), build_env)


@pytest.fixture(scope="module")
def sdist_wheel(sdist: Path, build_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel built from the sdist."""
    return _pip_wheel(sdist, tmp_path_factory.mktemp("sdist-wheel"), build_env)


@pytest.fixture(scope="module")
def site(sdist_wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel from the sdist, installed (not editable) into a folder of its own."""
    target = tmp_path_factory.mktemp("install") / "site"
    _run([sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-deps",
          "--no-index", "--target", str(target), str(sdist_wheel)], cwd=target.parent, timeout=BUILD_TIMEOUT)
    return target


@pytest.fixture
def outside(tmp_path: Path, site: Path) -> tuple[Path, dict[str, str]]:
    """A working folder outside the repository and an environment that sees only the installed copy:
    its own data folder and home, no user settings, and no model hub."""
    home = tmp_path / "home"
    work = tmp_path / "work"
    for folder in (home, work):
        folder.mkdir()
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("SIMULATOR_", "XDG_", "PYTHON"))}
    env.update({
        "PYTHONPATH": str(site),
        "PYTHONDONTWRITEBYTECODE": "1",
        "SIMULATOR_DATA_DIR": str(tmp_path / "data"),
        "SIMULATOR_MODEL_DIR": str(tmp_path / "models"),
        "HOME": str(home),
        "XDG_DATA_HOME": str(home / ".local" / "share"),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "HF_HOME": str(home / ".cache" / "huggingface"),
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "TZ": "UTC",
    })
    return work, env


def _simulator(outside: tuple[Path, dict[str, str]], *args: str) -> subprocess.CompletedProcess[str]:
    work, env = outside
    return _run([sys.executable, "-m", "simulator", *args], cwd=work, env=env)


def test_wheels_carry_the_builtin_content(tree_wheel: Path, sdist_wheel: Path) -> None:
    expected = _expected_builtin()
    for folder in BUILTIN_FOLDERS:
        assert any(name.startswith(f"simulator/builtin/{folder}/") for name in expected), f"{folder}/ is empty"
    for wheel in (tree_wheel, sdist_wheel):
        names = _builtin_names(wheel)
        assert expected <= names, f"{wheel.name} lacks {sorted(expected - names)}"
        with zipfile.ZipFile(wheel) as archive:
            stray = [name for name in archive.namelist() if name.split("/")[0] in BUILTIN_FOLDERS]
        assert not stray, f"{wheel.name} puts content at the top level, outside the package: {stray}"
    assert _builtin_names(tree_wheel) == _builtin_names(sdist_wheel)


def test_installed_copy_finds_its_own_content(site: Path, outside: tuple[Path, dict[str, str]]) -> None:
    work, env = outside
    snippet = """
import json
from pathlib import Path
import simulator
from simulator import locations
assert locations.builtin_rubric().is_file(), locations.builtin_rubric()
assert (locations.coder_dir() / "manifest.json").is_file(), locations.coder_dir()
assert sorted(locations.model_manifest_dir().glob("*.json")), locations.model_manifest_dir()
print(json.dumps({
    "module": simulator.__file__,
    "builtin": str(locations.builtin()),
    "linked": locations.builtin().is_symlink() or any(p.is_symlink() for p in locations.builtin().iterdir()),
    "scenarios": sorted(p.stem for p in locations.builtin_scenario_dir().glob("*.yaml")),
}))
"""
    found = json.loads(_run([sys.executable, "-c", snippet], cwd=work, env=env).stdout.strip().splitlines()[-1])
    assert Path(found["module"]).resolve().is_relative_to(site.resolve()), f"imported {found['module']}, not the wheel"
    assert Path(found["builtin"]).resolve().is_relative_to(site.resolve()), found["builtin"]
    assert not found["linked"], "the installed package's built-in content is links, not folders"
    assert found["scenarios"] == sorted(p.stem for p in (REPO / "scenarios").glob("*.yaml"))


def test_installed_command_line_lists_plays_and_scores(outside: tuple[Path, dict[str, str]]) -> None:
    work, _ = outside
    listed = _simulator(outside, "list").stdout
    scenarios = sorted(p.stem for p in (REPO / "scenarios").glob("*.yaml"))
    assert "p2-widow-copd" in scenarios and len(scenarios) >= 8
    missing = [name for name in scenarios if name not in listed]
    assert not missing, f"`simulator list` from the wheel lacks {missing}:\n{listed}"

    script = work / "script.txt"
    script.write_text(SCRIPT, encoding="utf-8")
    out = work / "transcripts"
    # --coder learned fails rather than falling back: the installed copy must find the trained coder.
    played = _simulator(outside, "play", "p2-widow-copd", "--script", str(script), "--out", str(out),
                        "--coder", "learned").stdout
    transcripts = sorted(out.glob("*.jsonl"))
    assert len(transcripts) == 1, f"play wrote {transcripts}"
    overall = re.search(r"Overall: (\d+) / 100 \(rubric what-matters [^,]+, coder learned-", played)
    assert overall, f"play did not score with the built-in rubric and the learned coder:\n{played}"

    scored = _simulator(outside, "score", str(out), "--json").stdout
    assert round(json.loads(scored)["overall"]) == int(overall.group(1)), scored


def test_installed_copy_loads_the_learned_coder(site: Path, outside: tuple[Path, dict[str, str]]) -> None:
    work, env = outside
    snippet = """
import json
from simulator.coding.coder import learned_coder
from simulator import locations
c = learned_coder()
print(json.dumps({"version": c.version, "folder": str(locations.coder_dir()),
                  "coded": len(c.code_utterances(["What matters to you at the moment?"], [""], [False]))}))
"""
    found = json.loads(_run([sys.executable, "-c", snippet], cwd=work, env=env).stdout.strip().splitlines()[-1])
    assert found["version"].startswith("learned-"), found
    assert found["coded"] == 1, found
    assert Path(found["folder"]).resolve().is_relative_to(site.resolve()), found["folder"]
