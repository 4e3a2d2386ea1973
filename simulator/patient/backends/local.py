"""The local backend: a causal language model run in-process with torch.

It keeps the key-value cache of everything it has read and, on the next call, feeds only the
tokens after the longest prefix the new prompt shares with it. A conversation grows at its end,
so time to first token stays flat however long the consultation runs.

Two runtimes read a model, one loop (prefix reuse, sampling, streaming, stopping) drives both: the int8
form `models pull` prepares for a Llama-family model (`int8_llama`, on x86 CPUs: the embedded default), and
transformers for anything else (any model folder or GGUF file), in bfloat16 where the CPU computes it
natively and float32 elsewhere.
"""

import functools
import inspect
import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, cast

from simulator.errors import BackendUnavailable
from simulator.patient.backends import Message, OnText

if TYPE_CHECKING:
    import torch
    from transformers import BatchEncoding

# Sampling: varied enough that the patient does not repeat itself, tame enough to stay on topic.
TEMPERATURE = 0.7
TOP_P = 0.9
REPETITION_PENALTY = 1.15
# The most likely tokens looked at first when sampling: the nucleus nearly always lies among them, and
# finding them costs a small fraction of ordering all 49,152 (about 5 ms a token); else all are ordered.
NUCLEUS_FIRST_LOOK = 256


def bf16_is_fast() -> bool:
    """bf16 matmuls are quicker than fp32 only where the CPU has native support (AMX or AVX-512 BF16), and
    torch uses it: ATEN_CPU_CAPABILITY=avx2 (measuring as on a laptop) makes it emulate bf16 like one."""
    import torch

    if torch.backends.cpu.get_cpu_capability() not in ("AVX512", "AMX"):
        return False
    cpu = getattr(torch, "cpu", None)
    checks = ("_is_amx_tile_supported", "_is_avx512_bf16_supported")
    return any(getattr(cpu, name, lambda: False)() for name in checks)


@functools.cache
def share_the_cpu() -> None:
    """Have torch compute on half the CPU's cores (at least one), unless OMP_NUM_THREADS says how many, once.

    torch's threads wait for each other at every step by spinning; when another program, or the app's own
    threads, takes a core from one of them, every step waits for it. Measured on 2 busy cores: 2 threads
    decoded 4.5 tokens/s and took 2.6 s to the first token, 1 thread 32 tokens/s and 0.25 s. The half left
    free keeps the app and the coder responsive while the patient speaks."""
    import torch

    if "OMP_NUM_THREADS" not in os.environ:
        torch.set_num_threads(max(1, torch.get_num_threads() // 2))


class Runtime(Protocol):
    """What the loop needs from a model: its prompts as token ids, its tokens as text, and its next-token
    logits after reading some tokens at some position."""

    precision: str
    stops: frozenset[int]

    def prompt_ids(self, messages: list[Message], *, add_generation_prompt: bool) -> list[int]:
        """The token ids the model reads for `messages`."""
        ...

    def text(self, ids: list[int]) -> str:
        """The text of `ids`, special tokens left out."""
        ...

    def feed(self, ids: list[int], start: int) -> "torch.Tensor":
        """Read `ids` from position `start` on (forgetting whatever was read there before); the next logits."""
        ...


class LocalBackend:
    """A transformers model folder (config, safetensors, tokenizer) or a single GGUF file."""

    def __init__(self, model: Path, *, dtype: str = "auto") -> None:
        if not model.exists():
            raise BackendUnavailable(f"no model at {model}; run 'simulator models pull' or name a model folder")
        if not (model.is_file() or model.is_dir()):  # a FIFO or a device would be read as a name to download
            raise BackendUnavailable(f"{model} is neither a model folder nor a .gguf file")
        share_the_cpu()
        # Any other failure to load (corrupt weights, a truncated GGUF) becomes BackendUnavailable in
        # `choice.open_backend`, the one place models are opened.
        self._runtime = _open(model, dtype)
        import torch

        self._torch = torch
        self._model_name = model.name
        self._fed: list[int] = []  # the tokens the runtime's cache holds, from position 0
        # One generation at a time: the cache is shared state (warming for a new scenario may run on
        # another thread while a reply is being written).
        self._lock = threading.Lock()
        self._closing = threading.Event()  # set by `close`: a reply being written stops at its next token
        # Of the last prompt: tokens taken from the cache, and tokens that had to be read afresh.
        self.reused = 0
        self.prefilled = 0

    @property
    def name(self) -> str:
        return f"local: {self._model_name}"

    @property
    def precision(self) -> str:
        """How the weights are computed with (int8, bfloat16 or float32), for benchmarks and messages."""
        return self._runtime.precision

    def close(self) -> None:
        """Stop a reply being written at its next token (its caller gets BackendUnavailable) and write no more."""
        self._closing.set()

    def prompt_ids(self, messages: list[Message]) -> list[int]:
        """The token ids the model reads for `messages`, ending where the assistant's reply begins."""
        return self._runtime.prompt_ids(messages, add_generation_prompt=True)

    def warm(self, messages: list[Message]) -> None:
        """Read `messages` (the fixed start of every prompt) into the cache, so that even the first
        reply reads only its own turn."""
        ids = self._runtime.prompt_ids(messages, add_generation_prompt=False)
        with self._lock, self._torch.inference_mode():
            self._read(ids)

    def generate(self, messages: list[Message], *, seed: int, max_new_tokens: int,
                 on_text: OnText | None = None) -> str:
        """Sample the next assistant message, reusing the cache for the shared prefix of the prompt."""
        ids = self.prompt_ids(messages)
        with self._lock, self._torch.inference_mode():
            return self._generate(ids, seed=seed, max_new_tokens=max_new_tokens, on_text=on_text)

    def _read(self, ids: list[int]) -> "torch.Tensor":
        """Have the cache hold `ids`, reading only what follows the longest start it already shares with
        them (at least one token, for the next logits); the logits after the last."""
        shared = 0
        for old, new in zip(self._fed, ids, strict=False):
            if old != new:
                break
            shared += 1
        shared = min(shared, len(ids) - 1)
        self.reused, self.prefilled = shared, len(ids) - shared
        logits = self._runtime.feed(ids[shared:], shared)
        self._fed = list(ids)
        return logits

    def _generate(self, ids: list[int], *, seed: int, max_new_tokens: int, on_text: OnText | None) -> str:
        generator = self._torch.Generator().manual_seed(seed)
        produced: list[int] = []
        text = ""
        logits = self._read(ids)
        for _ in range(max_new_tokens):
            if self._closing.is_set():
                raise BackendUnavailable(f"{self.name}: the session closed while the model was replying")
            token = self._sample(logits, produced, generator)
            if token in self._runtime.stops:
                break
            produced.append(token)
            text = self._runtime.text(produced)
            if on_text is not None and not on_text(text):
                break
            logits = self._runtime.feed([token], len(self._fed))
            self._fed.append(token)
        return text

    def _sample(self, logits: "torch.Tensor", produced: list[int], generator: "torch.Generator") -> int:
        torch = self._torch
        if produced:
            seen = torch.tensor(sorted(set(produced)))
            picked = logits[seen]
            logits[seen] = torch.where(picked > 0, picked / REPETITION_PENALTY, picked * REPETITION_PENALTY)
        probs = torch.softmax(logits / TEMPERATURE, dim=-1)
        ordered, order = probs.topk(min(NUCLEUS_FIRST_LOOK, len(probs)))
        if ordered.sum() < TOP_P:
            ordered, order = probs.sort(descending=True)
        # Keep the smallest set of tokens whose probabilities reach TOP_P.
        keep = ordered.cumsum(0) - ordered < TOP_P
        ordered = ordered * keep
        choice = torch.multinomial(ordered / ordered.sum(), 1, generator=generator)
        return int(order[choice])


def _open(model: Path, dtype: str) -> Runtime:
    """The runtime for `model`: its prepared int8 form where there is one and this CPU runs it (unless a
    float precision was asked for), else transformers."""
    from simulator.patient.backends import int8_llama

    if dtype == "auto" and model.is_dir() and int8_llama.usable(model):
        return int8_llama.Int8Llama(model)
    return _Transformers(model, dtype)


class _Transformers:
    """Any causal language model transformers reads, with its DynamicCache cropped to what is reused."""

    def __init__(self, model: Path, dtype: str) -> None:
        from simulator.transformers_setup import use_local_transformers

        use_local_transformers()
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer, DynamicCache

        folder, extra = (model.parent, {"gguf_file": model.name}) if model.is_file() else (model, {})
        if dtype == "auto":
            dtype = "bfloat16" if bf16_is_fast() else "float32"
        self.precision = dtype
        self._tokenizer = AutoTokenizer.from_pretrained(folder, **extra)
        if not self._tokenizer.chat_template:
            raise BackendUnavailable(f"the model at {model} has no chat template in its tokenizer; the patient "
                                     "needs a chat (instruction-tuned) model")
        # Prompts have a system and a user message: a template that cannot render them fails here, at load.
        self._tokenizer.apply_chat_template([{"role": "system", "content": "You are a patient."},
                                             {"role": "user", "content": "Hello."}], add_generation_prompt=True)
        self._model = AutoModelForCausalLM.from_pretrained(folder, dtype=getattr(torch, dtype), **extra)
        self._model.eval()
        # transformers 5 renamed the cache argument (the old name warns on stderr, over the app, then goes).
        self._cache_argument = "cache" if "cache" in inspect.signature(self._model.forward).parameters \
            else "past_key_values"
        self._torch = torch
        self._new_cache = DynamicCache
        self._cache: Any = None
        self._length = 0  # positions the cache holds
        end = self._tokenizer.convert_tokens_to_ids("<|im_end|>")
        self.stops = frozenset(t for t in (self._tokenizer.eos_token_id, end) if isinstance(t, int) and t >= 0)

    def prompt_ids(self, messages: list[Message], *, add_generation_prompt: bool) -> list[int]:
        # With return_dict=True the result is always a BatchEncoding; the declared type is every shape it can return.
        encoded = cast("BatchEncoding", self._tokenizer.apply_chat_template(
            messages, add_generation_prompt=add_generation_prompt, tokenize=True, return_dict=True))
        return list(encoded["input_ids"])

    def text(self, ids: list[int]) -> str:
        # One sequence decodes to one string (the declared type also covers batches).
        return cast(str, self._tokenizer.decode(ids, skip_special_tokens=True))

    def feed(self, ids: list[int], start: int) -> "torch.Tensor":
        if self._cache is None or start == 0:
            self._cache = self._new_cache()
        elif start < self._length:
            self._cache.crop(start - self._length)  # a negative count: drop that many from the end
        # The cache is filled in place.
        out = self._model(input_ids=self._torch.tensor([ids]), use_cache=True, logits_to_keep=1,
                          **{self._cache_argument: self._cache})
        self._length = start + len(ids)
        return cast("torch.Tensor", out.logits[0, -1].float())
