"""The local backend: a causal language model run in-process with transformers and torch.

It keeps the key-value cache of everything it has read and, on the next call, feeds only the
tokens after the longest prefix the new prompt shares with it. A conversation grows at its end,
so time to first token stays flat however long the consultation runs.
"""

import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from simulator.errors import BackendUnavailable
from simulator.patient.backends import Message, OnText
from simulator.transformers_setup import use_local_transformers

if TYPE_CHECKING:
    from transformers import BatchEncoding

# Sampling: varied enough that the patient does not repeat itself, tame enough to stay on topic.
TEMPERATURE = 0.7
TOP_P = 0.9
REPETITION_PENALTY = 1.15


def _bf16_is_fast() -> bool:
    """bf16 matmuls are quicker than fp32 only where the CPU has native support (AMX or AVX-512 BF16)."""
    import torch

    cpu = getattr(torch, "cpu", None)
    checks = ("_is_amx_tile_supported", "_is_avx512_bf16_supported")
    return any(getattr(cpu, name, lambda: False)() for name in checks)


class LocalBackend:
    """A transformers model folder (config, safetensors, tokenizer) or a single GGUF file."""

    def __init__(self, model: Path, *, dtype: str = "auto") -> None:
        use_local_transformers()
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        if not model.exists():
            raise BackendUnavailable(f"no model at {model}; run 'simulator models pull' or name a model folder")
        if not (model.is_file() or model.is_dir()):  # a FIFO or a device would be read as a name to download
            raise BackendUnavailable(f"{model} is neither a model folder nor a .gguf file")
        folder, extra = (model.parent, {"gguf_file": model.name}) if model.is_file() else (model, {})
        if dtype == "auto":
            dtype = "bfloat16" if _bf16_is_fast() else "float32"
        # Any other failure to load (corrupt weights, a truncated GGUF) becomes BackendUnavailable in
        # `choice.open_backend`, the one place models are opened.
        self._tokenizer = AutoTokenizer.from_pretrained(folder, **extra)
        if not self._tokenizer.chat_template:
            raise BackendUnavailable(f"the model at {model} has no chat template in its tokenizer; the patient "
                                     "needs a chat (instruction-tuned) model")
        # Prompts have a system and a user message: a template that cannot render them fails here, at load.
        self._tokenizer.apply_chat_template([{"role": "system", "content": "You are a patient."},
                                             {"role": "user", "content": "Hello."}], add_generation_prompt=True)
        self._model = AutoModelForCausalLM.from_pretrained(folder, dtype=getattr(torch, dtype), **extra)
        self._model.eval()
        self._torch = torch
        self._model_name = model.name
        self._fed: list[int] = []  # the tokens whose keys and values are in the cache
        self._cache: Any = None
        # One generation at a time: the cache is shared state (warming for a new scenario may run on
        # another thread while a reply is being written).
        self._lock = threading.Lock()
        self._closing = threading.Event()  # set by `close`: a reply being written stops at its next token
        # Of the last prompt: tokens taken from the cache, and tokens that had to be read afresh.
        self.reused = 0
        self.prefilled = 0
        end = self._tokenizer.convert_tokens_to_ids("<|im_end|>")
        self._stops = {t for t in (self._tokenizer.eos_token_id, end) if isinstance(t, int) and t >= 0}

    @property
    def name(self) -> str:
        return f"local: {self._model_name}"

    def close(self) -> None:
        """Stop a reply being written at its next token (its caller gets BackendUnavailable) and write no more."""
        self._closing.set()

    def prompt_ids(self, messages: list[Message]) -> list[int]:
        """The token ids the model reads for `messages`, ending where the assistant's reply begins."""
        # With return_dict=True the result is always a BatchEncoding; the declared type is every shape it can return.
        encoded = cast("BatchEncoding", self._tokenizer.apply_chat_template(
            messages, add_generation_prompt=True, tokenize=True, return_dict=True))
        return list(encoded["input_ids"])

    def warm(self, messages: list[Message]) -> None:
        """Fill the cache with `messages` (the fixed start of every prompt), so that even the first
        reply reads only its own turn."""
        from transformers import DynamicCache

        encoded = cast("BatchEncoding", self._tokenizer.apply_chat_template(messages, tokenize=True, return_dict=True))
        ids: list[int] = list(encoded["input_ids"])
        with self._lock, self._torch.inference_mode():
            out = self._model(input_ids=self._torch.tensor([ids]), past_key_values=DynamicCache(), use_cache=True,
                              logits_to_keep=1)
            self._cache, self._fed = out.past_key_values, ids

    def generate(self, messages: list[Message], *, seed: int, max_new_tokens: int,
                 on_text: OnText | None = None) -> str:
        """Sample the next assistant message, reusing the cache for the shared prefix of the prompt."""
        ids = self.prompt_ids(messages)
        with self._lock:
            return self._generate(ids, seed=seed, max_new_tokens=max_new_tokens, on_text=on_text)

    def _generate(self, ids: list[int], *, seed: int, max_new_tokens: int, on_text: OnText | None) -> str:
        torch = self._torch
        from transformers import DynamicCache

        shared = 0
        for old, new in zip(self._fed, ids, strict=False):
            if old != new:
                break
            shared += 1
        shared = min(shared, len(ids) - 1)  # at least one token must be fed to get the next logits
        if self._cache is None or shared == 0:
            self._cache, shared = DynamicCache(), 0
        elif shared < len(self._fed):
            self._cache.crop(shared - len(self._fed))  # a negative count: drop that many from the end
        self._fed = ids[:shared]
        self.reused, self.prefilled = shared, len(ids) - shared

        generator = torch.Generator().manual_seed(seed)
        feed = ids[shared:]
        produced: list[int] = []
        text = ""
        with torch.inference_mode():
            for _ in range(max_new_tokens):
                if self._closing.is_set():
                    raise BackendUnavailable(f"{self.name}: the session closed while the model was replying")
                out = self._model(input_ids=torch.tensor([feed]), past_key_values=self._cache, use_cache=True,
                                  logits_to_keep=1)
                self._cache = out.past_key_values
                self._fed += feed
                token = self._sample(out.logits[0, -1].float(), produced, generator)
                if token in self._stops:
                    break
                produced.append(token)
                feed = [token]
                # One sequence decodes to one string (the declared type also covers batches).
                text = cast(str, self._tokenizer.decode(produced, skip_special_tokens=True))
                if on_text is not None and not on_text(text):
                    break
        return text

    def _sample(self, logits: Any, produced: list[int], generator: Any) -> int:
        torch = self._torch
        if produced:
            seen = torch.tensor(sorted(set(produced)))
            picked = logits[seen]
            logits[seen] = torch.where(picked > 0, picked / REPETITION_PENALTY, picked * REPETITION_PENALTY)
        probs = torch.softmax(logits / TEMPERATURE, dim=-1)
        ordered, order = probs.sort(descending=True)
        # Keep the smallest set of tokens whose probabilities reach TOP_P.
        keep = ordered.cumsum(0) - ordered < TOP_P
        ordered = ordered * keep
        choice = torch.multinomial(ordered / ordered.sum(), 1, generator=generator)
        return int(order[choice])
