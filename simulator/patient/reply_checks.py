"""Checks on a generated patient reply before the trainee sees it.

Two kinds: checks that hold for any part of a reply (run on every streamed piece, so a reply that
goes wrong that way is stopped at once and never shown) and checks that need the whole reply (that
it still says what the engine meant, in the first person, without repeating an earlier reply).
"""

import re
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from functools import cached_property

from simulator.text import describe, first_unsafe

_WORD = re.compile(r"[a-z0-9']+")
FIRST_PERSON = {"i", "i'm", "i've", "i'd", "i'll", "me", "my", "mine", "myself", "we", "we're", "our", "us"}
# A rewording may run to twice the authored line and a few words more; past that it is adding things.
MAX_WORDS = 60
# Share of the authored line's content words a rewording must keep to count as saying the same thing.
KEEP_MEANING = 0.3
# New content words (not in the authored line or the conversation) a rewording may bring in: a few
# for colour, not new matter.
MAX_NEW_WORDS = 3
# A reply this much like an earlier one is a repetition.
REPEAT_SIMILARITY = 0.8
NEGATIONS = {"no", "not", "never", "nothing", "nobody", "none", "nowhere", "neither", "nor"}
# Words too common to show that a reply kept the authored line's meaning.
COMMON = set(["a", "about", "after", "again", "all", "also", "am", "an", "and", "any", "are", "as", "at", "be", "been", "being", "but", "by", "can", "could", "did", "do", "does", "doing", "don't", "dear", "for", "from", "get", "got", "had", "has", "have", "having", "he", "her", "here", "him", "his", "how", "i", "i'm", "i've", "i'd", "i'll", "if", "in", "into", "is", "it", "it's", "its", "just", "know", "like", "me", "more", "most", "much", "my", "no", "not", "now", "of", "oh", "on", "one", "only", "or", "other", "our", "out", "over", "really", "right", "said", "say", "so", "some", "still", "such", "than", "that", "that's", "the", "their", "them", "then", "there", "they", "thing", "things", "this", "those", "though", "to", "too", "up", "us", "very", "was", "way", "we", "well", "were", "what", "when", "where", "which", "who", "why", "will", "with", "would", "yeah", "yes", "you", "your", "bit", "lot"])

# Each entry: a pattern and why it fails. Checked on partial text too.
_ANYWHERE: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"\b(language model|an? ai\b|artificial intelligence|assistant|chatbot|smollm|hugging ?face|"
                r"my (instructions|prompt|programming)|system prompt|role-?play|simulation|as a patient|the patient)\b", re.I),
     "mentions being a model or its instructions"),
    (re.compile(r"\b(i'?m|i am) (a|an|the|your) (nurse|doctor|gp|clinician|health ?care)", re.I),
     "speaks as the clinician"),
    (re.compile(r"\b(how can i (help|assist)|is there anything else|what brings you|"
                r"let's (talk about|discuss) your|i recommend|i'd recommend|you should|it sounds like|"
                r"i hear you|i've got you|i understand how you feel)\b", re.I),
     "speaks as the clinician"),
    (re.compile(r"(^|\n)\s*\(?[A-Z][a-z]+\)?\s*:"), "writes a speaker's label"),
    (re.compile(r"[*\[\]<>{}#]|\((smil|laugh|sigh|paus|nod)", re.I), "stage directions or markup"),
    (re.compile(r'^\s*["“]'), "quotes instead of speaking"),
    (re.compile(r"\bmeans\s*:|\bnext line\b|\brewrite|:\s*$", re.I), "echoes the request"),
]
# A name (a capitalised word inside a sentence) or a number: details a reply must not invent.
_DETAIL = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][a-z]+\b|\b\d+\b")


def words(text: str) -> list[str]:
    """Lower-case words, apostrophes kept."""
    return _WORD.findall(text.lower().replace("’", "'"))


@dataclass(frozen=True)
class ReplyContext:
    """What a reply is checked against."""

    authored: str  # the authored line the reply rewrites
    # Words of hidden facts not yet released (their topics), and text the reply may echo freely
    # (the public profile, released facts, the conversation so far).
    secret_words: frozenset[str] = frozenset()
    allowed_text: str = ""
    earlier: tuple[str, ...] = field(default_factory=tuple)

    @cached_property
    def authored_words(self) -> list[str]:
        """The authored line's words (worked out once: the streaming checks read them on every token)."""
        return words(self.authored)

    @cached_property
    def known(self) -> frozenset[str]:
        """Words a reply may use freely: the authored line's, and those already in the open."""
        return frozenset(words(self.allowed_text)) | frozenset(self.authored_words) | {"i"}


def partial_problems(text: str, context: ReplyContext) -> list[str]:
    """What is wrong with a reply, or the start of one, whatever follows it. Each check here can only
    get worse as a reply goes on, so they run on every streamed piece and stop a drifting reply early."""
    found = [why for pattern, why in _ANYWHERE if pattern.search(text)]
    unsafe = first_unsafe(text)
    if unsafe is not None:  # a model's output is content too: it must be text a terminal only shows
        found.append(f"holds {describe(text[unsafe])}")
    said = words(text)
    leaked = {w for w in said if w in context.secret_words and w not in context.known}
    if leaked:
        found.append("mentions something the patient has not disclosed (" + ", ".join(sorted(leaked)) + ")")
    invented = {d for d in _DETAIL.findall(text.strip()) if d.lower() not in context.known}
    if invented:
        found.append("adds names or numbers that are not in the scenario (" + ", ".join(sorted(invented)) + ")")
    if len(said) > min(MAX_WORDS, 2 * len(context.authored_words) + 6):
        found.append("too long")
    if len({w for w in said if len(w) >= 4 and w not in COMMON and w not in context.known}) > MAX_NEW_WORDS:
        found.append("adds things the patient did not mean")
    if _repeats_itself(said):
        found.append("repeats itself")
    return list(dict.fromkeys(found))


def reply_problems(text: str, context: ReplyContext) -> list[str]:
    """Everything wrong with a whole reply; empty when it may be shown."""
    found = partial_problems(text, context)
    said = words(text)
    authored = context.authored_words
    if len(said) < 2 and len(authored) > 3:
        found.append("too short")
    if len(said) > 6 and not FIRST_PERSON & set(said):
        found.append("not in the first person")
    # The authored line's content words; for a line of common words only ("Not really, no."), all of them.
    meant = {w for w in authored if w not in COMMON} or set(authored)
    if meant and len(meant & set(said)) < KEEP_MEANING * len(meant):
        found.append("does not say what the patient meant")
    if _negative(said) != _negative(authored) or (said and authored and {said[0], authored[0]} == {"yes", "no"}):
        found.append("answers the opposite way")
    if any(SequenceMatcher(None, text.lower(), earlier.lower()).ratio() >= REPEAT_SIMILARITY
           for earlier in context.earlier):
        found.append("repeats an earlier reply")
    return found


def _negative(said: list[str]) -> bool:
    """Whether words say no to something: small models often flip "I'm not going to" into "I'm going to"."""
    return any(w in NEGATIONS or w.endswith("n't") for w in said)


def _repeats_itself(said: list[str]) -> bool:
    """A phrase of four words said twice: the loop small models fall into."""
    seen: set[tuple[str, ...]] = set()
    for i in range(len(said) - 3):
        gram = tuple(said[i:i + 4])
        if gram in seen:
            return True
        seen.add(gram)
    return False
