"""The patient model's fast form: a Llama-family decoder in plain torch over int8 weights that `models pull`
prepares once, beside the safetensors copy.

Why not transformers for it: on a CPU without native bfloat16 (most laptops: AVX2) a float32 model reads
540 MB of weights for every token it writes, and importing transformers' model code and loading through it
take about 3 s before the first word. Measured choices (docs/benchmarks.md):

- each layer's linear maps are int8 products (`torch._int_mm`), each token's input rounded to 8 bits on its
  own scale, on weights scaled per input channel as SmoothQuant does: the few input channels with outlying
  values (measured on the patient's own prompts when the form is prepared) are divided down and their
  weights multiplied up, so that rounding the input loses little (rounding it without them, as fbgemm's
  dynamic int8 does, changed 17% of the model's next-token choices); fbgemm was faster but, even so
  scaled, rounds a whole prompt on one scale (which lost three times as much and made a prompt read in
  two pieces differ from it read at once), and its quantised tensors are deprecated;
- the output layer (a fifth of the weights) is int8 weights only, its input kept in bfloat16: quantising
  that input too loses the most;
- the key-value cache is one tensor written in place, grown by doubling, so reusing a prompt's start costs
  nothing and no step copies the cache;
- no transformers at run time: the tokenizer is `tokenizers` and the chat template is rendered with jinja2
  as transformers renders it, which `prepare` checks on real prompts before it writes anything.
"""

import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    import torch
    from transformers import BatchEncoding

    from simulator.patient.backends import Message

FILE = "int8.safetensors"
FORMAT = "simulator-int8-llama/1"
# How far SmoothQuant moves the inputs' range into the weights (measured against float32 on turn prompts the
# calibration never saw, mean KL of the next token: 0.4: 0.015, 0.5: 0.013, 0.6: 0.013, 0.7: 0.020, 0.85: 0.050).
ALPHA = 0.5
# The layers' weights use 7 bits of the 8: without VNNI (AVX2 laptops) the int8 product adds pairs of 8-bit
# products in 16 bits, which overflows with 8-bit weights (wrong sums, measured); with 7 it is exact on any x86.
WEIGHT_LEVELS = 63
# The linear maps of a layer, as stored: fused where they read the same input.
MAPS = ("qkv", "o", "gate_up", "down")
# The parts of config.json this decoder follows; a checkpoint that sets any other way is left to transformers.
_EXPECTED = {"model_type": "llama", "hidden_act": "silu", "attention_bias": False, "mlp_bias": False,
             "pretraining_tp": 1}


def supported(config: dict[str, Any]) -> str | None:
    """Why a checkpoint's config.json cannot be run here, or None when it can."""
    for key, value in _EXPECTED.items():
        if config.get(key, value) != value:
            return f"{key} is {config.get(key)!r}"
    rope = config.get("rope_parameters") or config.get("rope_scaling") or {}
    if rope.get("rope_type", rope.get("type", "default")) != "default":
        return f"rope type {rope.get('rope_type', rope.get('type'))!r}"
    return None


def cpu_runs_it() -> bool:
    """Whether this CPU and this torch have the int8 kernels the form needs (x86 with AVX2 or better)."""
    import torch

    return (torch.backends.cpu.get_cpu_capability() in ("AVX2", "AVX512") and torch.backends.mkldnn.is_available()
            and hasattr(torch, "_int_mm") and hasattr(torch, "_weight_int8pack_mm"))


def usable(folder: Path) -> bool:
    """Whether `folder` holds a prepared int8 form that this CPU runs."""
    return (folder / FILE).is_file() and cpu_runs_it()


class ChatText:
    """A tokenizer.json and a chat template, read without transformers: prompts to ids and ids to text."""

    def __init__(self, folder: Path) -> None:
        from jinja2.sandbox import ImmutableSandboxedEnvironment
        from tokenizers import Tokenizer

        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        settings = json.loads((folder / "tokenizer_config.json").read_text(encoding="utf-8"))
        template_file = folder / "chat_template.jinja"
        source = (template_file.read_text(encoding="utf-8") if template_file.is_file()
                  else settings.get("chat_template"))
        if not isinstance(source, str):
            raise ValueError(f"no chat template in {folder}")
        # As transformers compiles a chat template (its sandbox, block trimming and `raise_exception`).
        environment = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True,
                                                    extensions=["jinja2.ext.loopcontrols"])
        environment.globals["raise_exception"] = _raise
        self.template = environment.from_string(source)
        self.specials = {key: value for key, value in settings.items()
                         if key.endswith("_token") and isinstance(value, str)}
        self.eos = self.tokenizer.token_to_id(settings["eos_token"]) if isinstance(settings.get("eos_token"), str) \
            else None

    def ids(self, messages: "list[Message]", *, add_generation_prompt: bool) -> list[int]:
        """The token ids of `messages` rendered by the chat template."""
        text = self.template.render(messages=messages, add_generation_prompt=add_generation_prompt, **self.specials)
        return list(self.tokenizer.encode(text, add_special_tokens=False).ids)

    def text(self, ids: Sequence[int]) -> str:
        """The text of `ids`, special tokens left out."""
        return str(self.tokenizer.decode(list(ids), skip_special_tokens=True))


def _raise(message: str) -> None:
    from jinja2.exceptions import TemplateError

    raise TemplateError(message)


class Int8Llama:
    """The prepared form in `folder` (config.json, tokenizer, model.safetensors and int8.safetensors), with
    its key-value cache: a runtime of the local backend (`local.Runtime`). Not thread-safe: its caller holds
    one lock around it."""

    precision = "int8"

    def __init__(self, folder: Path) -> None:
        import torch
        from safetensors import safe_open

        config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
        why = supported(config)
        if why is not None:
            raise ValueError(f"{folder} is not a model this decoder runs: {why}")
        self.chat = ChatText(folder)
        self._torch = torch
        self.layers_count = int(config["num_hidden_layers"])
        self.heads = int(config["num_attention_heads"])
        self.kv_heads = int(config.get("num_key_value_heads") or self.heads)
        self.head_dim = int(config.get("head_dim") or config["hidden_size"] // self.heads)
        self.intermediate = int(config["intermediate_size"])
        self.eps = float(config["rms_norm_eps"])
        rope = config.get("rope_parameters") or {}
        theta = float(rope.get("rope_theta", config.get("rope_theta", 10000.0)))
        self._inv_freq = 1.0 / (theta ** (torch.arange(0, self.head_dim, 2, dtype=torch.float32) / self.head_dim))
        eos = config.get("eos_token_id")
        end = self.chat.tokenizer.token_to_id("<|im_end|>")
        stops = [*(eos if isinstance(eos, list) else [eos]), self.chat.eos, end]
        self.stops = frozenset(t for t in stops if isinstance(t, int) and t >= 0)

        with safe_open(folder / FILE, "pt") as prepared, safe_open(folder / "model.safetensors", "pt") as floats:
            if (prepared.metadata() or {}).get("format") != FORMAT:
                raise ValueError(f"{folder / FILE} is not in the form {FORMAT}; run 'simulator models pull' again")
            # Rows are looked up one token at a time: kept in the file's precision, widened when read.
            self._embed = floats.get_tensor("model.embed_tokens.weight")
            self._norm = floats.get_tensor("model.norm.weight").float()
            self._layers = []
            for i in range(self.layers_count):
                norms = tuple(floats.get_tensor(f"model.layers.{i}.{name}.weight").float()
                              for name in ("input_layernorm", "post_attention_layernorm"))
                maps = tuple(_packed(prepared, f"layers.{i}.{name}") for name in MAPS)
                self._layers.append((norms, maps))
            self._head = _read(prepared, "head.weight")
            self._head_scale = _read(prepared, "head.scale").bfloat16()
        self._cache: torch.Tensor | None = None
        self._cos = self._sin = torch.empty(0)

    def prompt_ids(self, messages: "list[Message]", *, add_generation_prompt: bool) -> list[int]:
        """The token ids the model reads for `messages`."""
        return self.chat.ids(messages, add_generation_prompt=add_generation_prompt)

    def text(self, ids: list[int]) -> str:
        """The text of `ids`, special tokens left out."""
        return self.chat.text(ids)

    def feed(self, ids: Sequence[int], start: int) -> "torch.Tensor":
        """Read `ids` at positions `start`, `start` + 1... (whatever the cache held from `start` on is
        forgotten) and return the next token's logits, as float32."""
        torch = self._torch
        F = torch.nn.functional
        count, end = len(ids), start + len(ids)
        self._room(end)
        cos, sin = self._cos[start:end], self._sin[start:end]
        heads, kv_heads, dim = self.heads, self.kv_heads, self.head_dim
        half, q_width, kv_width = dim // 2, heads * dim, kv_heads * dim
        # Several tokens at once: each sees those before it (the cache) and itself, not those after it.
        hidden = torch.full((count, end), float("-inf")).triu_(start + 1) if count > 1 else None
        x = self._embed[torch.tensor(list(ids))].float()
        cache = self._cache
        assert cache is not None
        for i, ((attention_norm, mlp_norm), (qkv, out, gate_up, down)) in enumerate(self._layers):
            h = _linear(F.rms_norm(x, (x.shape[-1],), attention_norm, self.eps), qkv)
            # Rotary positions on queries and keys together (the first half of each head against the second).
            rotated = h[:, : q_width + kv_width].view(count, heads + kv_heads, dim).transpose(0, 1)
            rotated = rotated * cos + torch.cat((-rotated[..., half:], rotated[..., :half]), -1) * sin
            q = rotated[:heads]
            keys, values = cache[i, 0], cache[i, 1]
            keys[:, start:end] = rotated[heads:]
            values[:, start:end] = h[:, q_width + kv_width:].view(count, kv_heads, dim).transpose(0, 1)
            # The query heads that share a key-value head, as one batch of plain products: on a CPU these
            # beat the fused attention kernel, by far for one token and by half for a turn's prompt.
            scores = torch.bmm(q.reshape(kv_heads, -1, dim) * dim ** -0.5, keys[:, :end].transpose(1, 2))
            if hidden is not None:
                scores = scores.view(kv_heads, -1, count, end).add_(hidden).view(kv_heads, -1, end)
            attended = torch.bmm(torch.softmax(scores, -1), values[:, :end]).view(heads, count, dim)
            x = x + _linear(attended.transpose(0, 1).reshape(count, q_width), out)
            h = _linear(F.rms_norm(x, (x.shape[-1],), mlp_norm, self.eps), gate_up)
            x = x + _linear(F.silu(h[:, : self.intermediate]) * h[:, self.intermediate:], down)
        last = F.rms_norm(x[-1:], (x.shape[-1],), self._norm, self.eps)
        return torch._weight_int8pack_mm(last.bfloat16(), self._head, self._head_scale)[0].float()

    def _room(self, end: int) -> None:
        """Make the cache and the rotary tables reach position `end`, keeping what the cache holds."""
        torch = self._torch
        size = 0 if self._cache is None else self._cache.shape[3]
        if end <= size:
            return
        grown = max(1024, 1 << (end - 1).bit_length())
        cache = torch.zeros(self.layers_count, 2, self.kv_heads, grown, self.head_dim)
        if self._cache is not None:
            cache[:, :, :, :size] = self._cache
        self._cache = cache
        angles = torch.outer(torch.arange(grown, dtype=torch.float32), self._inv_freq)
        angles = torch.cat((angles, angles), -1)
        self._cos, self._sin = angles.cos(), angles.sin()


def _read(prepared: Any, name: str) -> "torch.Tensor":
    """A tensor of the prepared file, copied out of it: tensors there start wherever the one before ended, and
    the int8 kernels read their operands as aligned (one at an odd address crashed the process)."""
    return cast("torch.Tensor", prepared.get_tensor(name).clone())


def _packed(prepared: Any, name: str) -> "tuple[torch.Tensor, torch.Tensor, torch.Tensor]":
    """One linear map of the prepared file: its int8 weight (as the product reads it, the transpose of its rows),
    one scale per output and the factor each input is scaled by first."""
    return (_read(prepared, f"{name}.weight").t(), _read(prepared, f"{name}.scale"),
            _read(prepared, f"{name}.smooth"))


def _linear(x: "torch.Tensor", packed: "tuple[torch.Tensor, torch.Tensor, torch.Tensor]") -> "torch.Tensor":
    """`x` times the map: each token's scaled input rounded to int8 on its own scale, an int8 product (exact),
    and back to float32. Each token on its own, so reading a prompt in one piece or in two gives the same."""
    import torch

    weight, scale, smooth = packed
    x = x * smooth
    step = x.abs().amax(-1, keepdim=True).clamp_(min=1e-12).div_(127)  # (linalg's inf-norm: 15 times slower)
    return torch._int_mm(x.div_(step).round_().to(torch.int8), weight).float().mul_(step).mul_(scale)


def prepare(folder: Path, conversations: Iterable["list[Message]"]) -> str | None:
    """Write the int8 form of the checkpoint in `folder` beside it, its inputs' ranges measured on
    `conversations`. Returns why not (nothing written) when this decoder cannot run it as transformers does."""
    import torch
    from jinja2.exceptions import TemplateError
    from safetensors.torch import save_file

    from simulator.transformers_setup import use_local_transformers

    config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    why = supported(config)
    if why is not None:
        return why
    use_local_transformers()
    from transformers import AutoModelForCausalLM, AutoTokenizer

    try:
        chat = ChatText(folder)
    except (ValueError, TemplateError) as error:
        return f"its chat template cannot be read without transformers ({error})"
    tokenizer = AutoTokenizer.from_pretrained(folder)
    model = AutoModelForCausalLM.from_pretrained(folder, dtype=torch.float32).eval()
    layers = model.model.layers
    seen: dict[str, torch.Tensor] = {}

    def measure(name: str) -> Any:
        def hook(_: Any, inputs: tuple[torch.Tensor, ...]) -> None:
            largest = inputs[0].detach().abs().reshape(-1, inputs[0].shape[-1]).amax(0)
            seen[name] = torch.maximum(seen[name], largest) if name in seen else largest
        return hook

    hooks = [module.register_forward_pre_hook(measure(f"layers.{i}.{name}"))
             for i, layer in enumerate(layers)
             for name, module in (("qkv", layer.self_attn.q_proj), ("o", layer.self_attn.o_proj),
                                  ("gate_up", layer.mlp.gate_proj), ("down", layer.mlp.down_proj))]
    try:
        with torch.inference_mode():
            for messages in conversations:
                for generation_prompt in (False, True):
                    try:
                        ours = chat.ids(messages, add_generation_prompt=generation_prompt)
                    except TemplateError as error:
                        return f"its chat template needs transformers ({error})"
                    encoded = cast("BatchEncoding", tokenizer.apply_chat_template(
                        messages, add_generation_prompt=generation_prompt, tokenize=True, return_dict=True))
                    theirs = list(encoded["input_ids"])
                    if ours != theirs:
                        return "its chat template or tokenizer reads differently without transformers"
                if chat.text(ours) != tokenizer.decode(ours, skip_special_tokens=True):
                    return "its tokenizer decodes differently without transformers"
                model(input_ids=torch.tensor([ours]))
    finally:
        for hook in hooks:
            hook.remove()
    if not seen:
        return "no prompts to measure its inputs on"
    tensors: dict[str, torch.Tensor] = {}
    for i, layer in enumerate(layers):
        attention, mlp = layer.self_attn, layer.mlp
        weights = {"qkv": torch.cat([attention.q_proj.weight, attention.k_proj.weight, attention.v_proj.weight]),
                   "o": attention.o_proj.weight, "gate_up": torch.cat([mlp.gate_proj.weight, mlp.up_proj.weight]),
                   "down": mlp.down_proj.weight}
        for name, weight in weights.items():
            key = f"layers.{i}.{name}"
            smooth = (seen[key].clamp(min=1e-5) ** ALPHA / weight.detach().abs().amax(0).clamp(min=1e-5) ** (1 - ALPHA))
            smooth = smooth.clamp(min=1e-5)
            quantised, scale = _int8_rows(weight.detach() * smooth, WEIGHT_LEVELS)
            tensors |= {f"{key}.weight": quantised, f"{key}.scale": scale, f"{key}.smooth": (1 / smooth).contiguous()}
    # The output layer's product widens its weights to float first: all 8 bits.
    quantised, scale = _int8_rows(model.get_output_embeddings().weight.detach(), 127)
    tensors |= {"head.weight": quantised, "head.scale": scale}
    save_file(tensors, folder / FILE, metadata={"format": FORMAT, "alpha": str(ALPHA)})
    return None


def _int8_rows(weight: "torch.Tensor", levels: int) -> "tuple[torch.Tensor, torch.Tensor]":
    """`weight` as int8 in -levels..levels with one float32 scale per row (symmetric: zero stays zero)."""
    import torch

    scale = (weight.abs().amax(1).clamp(min=1e-8) / levels).float()
    return torch.round(weight / scale[:, None]).clamp(-levels, levels).to(torch.int8).contiguous(), scale.contiguous()
