"""Checks on a generated patient reply before the trainee sees it.

Two kinds: checks that hold for any part of a reply (run on every streamed piece, so a reply that
goes wrong that way is stopped at once and never shown) and checks that need the whole reply (that
it still says what the engine meant, in the first person, without repeating an earlier reply).

Whether a reply still means the authored line is judged two ways together. Cheap word checks catch
what sentence embeddings are blind to: who is who ("you use the blue one" for "I use the blue one"),
numbers ("8" for "about a six") and yes or no. Where the learned coder is loaded, its sentence
encoder then compares the whole reply with the authored line by meaning, which catches a reply on
another subject altogether. Thresholds were chosen on benchmarks/data/meaning_kept.yaml (see
benchmarks/meaning_checks.py).
"""

import re
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from functools import cached_property
from typing import TypeVar

from simulator.coding.meaning import Meaning
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
ADDS = "adds something the line does not say"
# A reply this much like an earlier one is a repetition.
REPEAT_SIMILARITY = 0.8
NEGATIONS = {"no", "nah", "nope", "not", "never", "nothing", "nobody", "none", "nowhere", "neither", "nor"}
YES = {"yes", "yeah", "yep", "yup", "aye"}
# Who does something in a clause: the patient (first person) or the nurse (second person). A rewording
# that gives the nurse what the line gives the patient ("You use the blue one a lot" for "I use the blue
# one a lot") has swapped who is who.
SUBJECTS = {"i": 1, "i'm": 1, "i've": 1, "i'd": 1, "i'll": 1, "we": 1, "we're": 1, "we've": 1, "we'd": 1,
            "we'll": 1, "you": 2, "you're": 2, "you've": 2, "you'd": 2, "you'll": 2}
SECOND_PERSON = {"you", "you're", "you've", "you'd", "you'll", "your", "yours", "yourself"}
# Object and possessive pronouns: who something is done to or belongs to ("easy for me to say").
OBJECTS = {"me": 1, "my": 1, "mine": 1, "myself": 1, "us": 1, "our": 1,
           "you": 2, "your": 2, "yours": 2, "yourself": 2}
# Fillers whose "you" says nothing about anyone.
_FILLERS = re.compile(r"\b(thank you|you know|you see|mind you|see you|bless you)\b", re.I)
# Phrases that speak to the nurse without saying anything new about them: a rewording may bring them in.
_ASIDES = re.compile(r"\b(if you like|if you don't mind|if you ask me|don't you think|you never know|"
                     r"for you to say|you'd (best|better))\b", re.I)
# An auxiliary that, before a pronoun and "not", asks rather than denies ("Can I not just have...?").
AUXILIARIES = {"can", "could", "will", "would", "do", "does", "did", "shall", "should", "is", "are", "am", "was",
               "were", "have", "has", "must", "may", "might"}
PRONOUNS = {"i", "you", "we", "they", "he", "she", "it", "there"}
_SENTENCE = re.compile(r"[.!?…]+")
_CLAUSE = re.compile(r"[,;:()—]+|\s-\s")
# Words that say how something is said, not what: they carry no yes or no of their own.
HEDGES = {"actually", "honestly", "quite", "anyway", "maybe", "probably", "perhaps", "though", "mind", "love",
          "dear", "then", "now", "even", "ever"}
# Words and their opposites: a rewording that says the opposite word has turned the line round without
# any "not" ("Worse than I expected" for "Better than I expected").
OPPOSITES = [("better", "worse"), ("best", "worst"), ("good", "bad"), ("more", "less"), ("more", "fewer"),
             ("easy", "hard"), ("easy", "difficult"), ("tight", "loose"), ("always", "never"), ("love", "hate"),
             ("like", "hate"), ("like", "dislike"), ("remember", "forget"), ("start", "stop"), ("agree", "disagree"),
             ("able", "unable"), ("sure", "unsure"), ("happy", "sad"), ("early", "late"), ("often", "rarely"),
             ("right", "wrong"), ("same", "different"), ("worried", "relaxed"), ("busy", "quiet"),
             ("everyone", "nobody"), ("everything", "nothing"), ("lots", "little"), ("loads", "few"),
             ("help", "hurt"), ("behind", "ahead"), ("damp", "dry"), ("lucky", "unlucky"), ("ever", "never")]
# Number words a reply may use for a number in the authored line ("one" is left out: "the blue one").
UNITS = ["zero", "", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
         "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"]
NUMBER_WORDS = {word: n for n, word in enumerate(UNITS) if word} | {
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80,
    "ninety": 90, "hundred": 100, "twice": 2}
# Cosine similarity (of the coder's sentence embeddings) under which a rewording no longer means the
# authored line. Chosen on the development half of benchmarks/data/meaning_kept.yaml.
MEANING_KEPT = 0.6
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
# A name (a capitalised word inside a sentence): a detail a reply must not invent. (Numbers are held to the
# authored line's own, by value: "25" may say "twenty-five".)
_DETAIL = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][a-z]+\b")


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
    # The coder's sense of meaning (None with the rule-based coder: the word checks alone then decide).
    meaning: Meaning | None = None

    @cached_property
    def authored_words(self) -> list[str]:
        """The authored line's words (worked out once: the streaming checks read them on every token)."""
        return words(self.authored)

    @cached_property
    def known(self) -> frozenset[str]:
        """Words a reply may use freely: the authored line's, and those already in the open."""
        return frozenset(words(self.allowed_text)) | frozenset(self.authored_words) | {"i"}

    @cached_property
    def known_stems(self) -> frozenset[str]:
        """The known words without their endings ("missed" and "miss" alike)."""
        return frozenset(stem(w) for w in self.known)


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
    changed = set(numbers(said)) - set(numbers(context.authored_words))
    if changed:
        found.append("says a number the line does not (" + ", ".join(str(n) for n in sorted(changed)) + ")")
    if len(said) > min(MAX_WORDS, 2 * len(context.authored_words) + 6):
        found.append("too long")
    if len({w for w in said if len(w) >= 4 and w not in COMMON and w not in context.known}) > MAX_NEW_WORDS:
        found.append("adds things the patient did not mean")
    # Clauses after the first (finished ones: the last may still be growing): what a small model adds once
    # it has said the line.
    if any(_unrelated(clause, context) for clause in _clauses(text)[1:-1]):
        found.append(ADDS)
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
    clauses = _clauses(text)
    if len(clauses) > 1 and _unrelated(clauses[-1], context) and ADDS not in found:  # the last, now finished
        found.append(ADDS)
    if len(said) > 6 and FIRST_PERSON & set(authored) and not FIRST_PERSON & set(said):
        found.append("not in the first person")
    if _swapped(doers(context.authored), doers(text)) or (_addressed(text) and not _addressed(context.authored)):
        found.append("swaps who is who (says 'you' where the line says 'I', or the other way)")
    # The authored line's content words; for a line of common words only ("Not really, no."), all of them.
    meant = {stem(w) for w in authored if w not in COMMON} or {stem(w) for w in authored}
    if meant and len(meant & {stem(w) for w in said}) < KEEP_MEANING * len(meant):
        found.append("does not say what the patient meant")
    if (_negative(text) != _negative(context.authored) or {_answer(said), _answer(authored)} == {"yes", "no"}
            or _turned_round(context.authored, text) or _opposite(authored, said)):
        found.append("answers the opposite way")
    if numbers(said) != numbers(authored):
        found.append("leaves out a number the line says")
    if any(SequenceMatcher(None, text.lower(), earlier.lower()).ratio() >= REPEAT_SIMILARITY
           for earlier in context.earlier):
        found.append("repeats an earlier reply")
    if not found and context.meaning is not None:  # the encoder only for replies the word checks let through
        similarity = context.meaning.similarity(text, [context.authored])[0]
        if similarity < MEANING_KEPT:
            found.append(f"means something else (similarity {similarity:.2f})")
    return found


T = TypeVar("T")


def stem(word: str) -> str:
    """A word without its possessive or a plain ending, so that "Tracey's" and "Tracey", "saying" and "says"
    count as the same word."""
    word = word.removesuffix("'s")
    for ending, shortest in (("ing", 6), ("ed", 5), ("es", 5), ("s", 4)):
        if word.endswith(ending) and len(word) >= shortest and not word.endswith("ss"):
            return word[:-len(ending)]
    return word


def _sentences(text: str) -> list[list[list[str]]]:
    """The words of each clause of each sentence, fillers ("thank you", "you know") left out."""
    return [[words(part) for part in _CLAUSE.split(sentence)]
            for sentence in _SENTENCE.split(_FILLERS.sub(" ", text.replace("’", "'")))]


def _clauses(text: str) -> list[list[str]]:
    """The words of each clause, fillers left out."""
    return [clause for sentence in _sentences(text) for clause in sentence]


def _unrelated(clause: list[str], context: ReplyContext) -> bool:
    """Whether a clause says something of its own: it has content words, and none of them is the line's or in
    the open ("That's what I missed most." after a line about who read the letter)."""
    content = {stem(w) for w in clause if w not in COMMON and w not in SUBJECTS and w not in OBJECTS
               and w not in HEDGES and not _negation(w)}
    return bool(content) and not content & context.known_stems


def _addressed(text: str) -> bool:
    """Whether a text speaks of the nurse ("you", outside fillers and asides): a rewording that brings the nurse
    into a line that was only about the patient has usually turned it round ("I'm taking them for you" for
    "Susan does them for me")."""
    return any(SECOND_PERSON & set(clause) for clause in _clauses(_ASIDES.sub(" ", text)))


def _next_content(clause: list[str], start: int) -> str | None:
    """The first word from `start` on that carries content (not a common word, a negation or a pronoun)."""
    return next((stem(w) for w in clause[start:]
                 if w not in COMMON and w not in SUBJECTS and w not in OBJECTS and not _negation(w)), None)


def doers(text: str) -> dict[str, set[int]]:
    """Who does what: each content word that follows a subject pronoun in its clause ("I use": use), and each
    that comes before an object or possessive pronoun ("easy for me": easy, as "to" easy), with that pronoun's
    person (1: the patient, 2: the nurse)."""
    found: dict[str, set[int]] = {}
    for clause in _clauses(text):
        for at, word in enumerate(clause):
            if word in SUBJECTS and (done := _next_content(clause, at + 1)) is not None:
                found.setdefault(done, set()).add(SUBJECTS[word])
            if word in OBJECTS and (done := _next_content(clause[at - 1::-1] if at else [], 0)) is not None:
                found.setdefault(f"to {done}", set()).add(OBJECTS[word])
    return found


def negated(text: str) -> tuple[set[str], set[str]]:
    """Content words said after a "no" in their clause ("I'm not moaning": moan), and those said in a clause
    with no "no" in it at all. A word in neither is left alone: where a clause puts its "not" varies with how
    it is worded ("Doctors aren't my thing" for "I'm not one for doctors")."""
    denied: set[str] = set()
    plain: set[str] = set()
    for clause in _clauses(text):
        denies = _denials(clause)
        for at, word in enumerate(clause):
            if word not in COMMON and word not in SUBJECTS and word not in HEDGES and not _negation(word):
                (denied if any(denies[:at]) else plain if not any(denies) else set()).add(stem(word))
    return denied, plain


def _denials(said: list[str]) -> list[bool]:
    """Which words say no. A negative question or tag asks, it does not deny: "Can't you just tell me?",
    "Can I not just have...?", "Everyone's tired, aren't they?"."""
    found = []
    for at, word in enumerate(said):
        after = said[at + 1] if at + 1 < len(said) else ""
        asks = (word.endswith("n't") and after in PRONOUNS) or (
            word == "not" and at >= 2 and said[at - 1] in PRONOUNS and said[at - 2] in AUXILIARIES)
        found.append(_negation(word) and not asks)
    return found


def _turned_round(line: str, reply: str) -> bool:
    """Whether a word the line denies is said plainly in the reply, or the other way round ("I'm moaning.
    Nobody has it worse" for "I'm not moaning. Loads of people have it worse")."""
    (line_denied, line_plain), (reply_denied, reply_plain) = negated(line), negated(reply)
    # A word said both ways in one text ("That's textbook. My body hasn't read the textbook") decides nothing.
    return bool((line_denied - line_plain) & reply_plain - reply_denied
                or (reply_denied - reply_plain) & line_plain - line_denied)


def _swapped(line: dict[str, set[T]], reply: dict[str, set[T]]) -> bool:
    """Whether some word is said one way in the line and only the other way in the reply."""
    return any(key in reply and not values & reply[key] for key, values in line.items())


def _opposite(line: list[str], reply: list[str]) -> bool:
    """Whether the reply says the opposite of one of the line's words, and not the word itself."""
    said, meant = {stem(w) for w in reply}, {stem(w) for w in line}
    return any(one in meant and other in said and one not in said and other not in meant
               for a, b in OPPOSITES for one, other in ((stem(a), stem(b)), (stem(b), stem(a))))


def _negation(word: str) -> bool:
    return word in NEGATIONS or word.endswith("n't")


def numbers(said: list[str]) -> list[int]:
    """The numbers in words, in digits or spelled out ("twenty five" is 25), in order."""
    found: list[int] = []
    tens = False  # the last number was a multiple of ten that a unit may complete
    for word in said:
        word = word.removesuffix("'s")  # "nine's a travel question"
        value = int(word) if word.isdigit() else NUMBER_WORDS.get(word)
        if value is None:
            tens = False
            continue
        if tens and 0 < value < 10 and not word.isdigit():
            found[-1] += value
            tens = False
            continue
        found.append(value)
        tens = 20 <= value < 100 and value % 10 == 0 and not word.isdigit()
    return sorted(found)


def _answer(said: list[str]) -> str | None:
    """Whether words open with a yes or a no (the first such word), if they do."""
    for word in said[:3]:
        if word in YES:
            return "yes"
        if word in {"no", "nah", "nope"}:
            return "no"
    return None


def _negative(text: str) -> bool:
    """Whether a text says no to something: small models often flip "I'm not going to" into "I'm going to"."""
    return any(any(_denials(clause)) for clause in _clauses(text))


def _repeats_itself(said: list[str]) -> bool:
    """A phrase of four words said twice: the loop small models fall into."""
    seen: set[tuple[str, ...]] = set()
    for i in range(len(said) - 3):
        gram = tuple(said[i:i + 4])
        if gram in seen:
            return True
        seen.add(gram)
    return False
