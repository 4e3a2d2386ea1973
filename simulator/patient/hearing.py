"""What the patient hears in a trainee's turn: which kind of question it is, and which of their facts or
planning options it is about.

The coder's codes say what the turn does (an open question, a goal asked for, a confidence ruler); the
patient still has to work out what it is *about*. That is matched by meaning where the coder's sentence
encoder is loaded (coding/meaning.py): the turn against each fact's example questions, summary and topics.
Without it (the rule-based coder), a fact's topic words are the fallback.
"""

import re
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from enum import StrEnum

from simulator.coding.codes import QUESTIONS, Code, Coding
from simulator.coding.meaning import Meaning
from simulator.coding.rules import asks_permission
from simulator.content.scenario import Fact, Option

# How close in meaning a turn must be to one of a fact's views to be about it (all-MiniLM-L6-v2 cosine:
# a paraphrased question scores about 0.6 and above, an unrelated one about 0.1 to 0.3).
MATCH = 0.5
# Loosely about a fact: enough for a question the patient cannot place to bring out what is on their mind.
LOOSE = 0.3
# A topic word the turn uses adds this much to a fact's closeness (and decides alone without an encoder).
TOPIC_BONUS = 0.1
_WORD = re.compile(r"[a-z0-9']+")
_SENTENCE = re.compile(r"(?<=[.!?…])\s+")
# Words that ask about nothing in particular: a question made of only these is a general invitation.
GENERAL = frozenset({
    "a", "about", "again", "all", "alright", "am", "an", "and", "any", "anything", "anyway", "are", "as", "at", "be",
    "been", "begin", "being", "bit", "bring", "brought", "but", "by", "came", "can", "changed", "chat", "come",
    "coming", "could", "cover", "day", "days", "did", "discuss", "do", "does", "doing", "else", "everything", "feel",
    "feeling", "feels", "first", "focus", "for", "from", "generally", "get", "getting", "go", "goes", "going",
    "good", "got", "had", "happened", "happening", "has", "have", "here's", "honestly", "hoping", "how", "i", "if",
    "in", "is", "it", "it's", "just", "keeping", "kind", "know", "last", "lately", "let", "life", "like", "lot", "me",
    "mind", "moment", "more", "much", "my", "new", "news", "now", "of", "ok", "okay", "on", "or", "overall", "really",
    "recently", "right", "saw", "say", "says", "see", "seen", "since", "so", "some", "something", "sort", "start",
    "talk", "tell", "than", "that", "that's", "the", "them", "then", "there", "there's", "things", "things'",
    "think", "this", "those", "time", "to", "today", "up", "us", "very", "want", "wanted", "was", "way", "we",
    "week", "weeks", "well", "were", "what", "what's", "whatever", "when", "which", "while", "who", "why", "with",
    "would", "you", "you're", "your", "yourself",
})

# General invitations, for telling one from a question about something in particular by meaning.
INVITATIONS = (
    "How have things been?", "Tell me more about that.", "What's been happening since I last saw you?",
    "How are you getting on?", "What's on your mind today?", "What else is going on for you?",
    "Where would you like to start?", "What would you like to talk about today?", "Go on.",
)
# How each planning move is asked, in the words nurses use (the coder's tags are the first signal).
_GOAL = re.compile(r"\b(goal|hop(e|ing) (for|to)|like to be (able|doing)|want(ed)? to (achieve|change|get back|be "
                   r"able)|be different|looking ahead|in (six|three|a few|twelve) (months|weeks)|a year from now|"
                   r"future|good day look|aim for|work towards|what would you like to (do|change|work)|"
                   r"sort out one thing|if you could change|what would you want (it )?to be)\b")
_STEP = re.compile(r"\b((first|small|next|little) step|(one|a|first) (small|little) (thing|change)|something small|"
                   r"where (would|could|might) you (start|begin)|what (could|might|would) you (do|try)|start with|"
                   r"make a start|this week|before (i see you|next time|we (next )?meet|i next see you))\b")
_CHOICE = re.compile(r"\b((which|what) of (those|these|them)|any of (those|these|them)|which (one|would you)|"
                     r"appeals?|sounds? (best|good|doable|possible|right)|fancy|would suit you|(do|would) you prefer|"
                     r"either of)\b")
# "What might stop you?" asks what could get in the way; "what the knees stop you doing" does not.
_BARRIERS = re.compile(r"\b(get in the way|gets in the way|(might|could|would|will|to) stop you|stopping you|"
                       r"stand in (your|the) way|obstacles?|go wrong|trip you up|make it (hard|difficult)|hardest part|"
                       r"what might (stop|happen)|difficult about|hard about)\b")
_RAISE = re.compile(r"\b(higher|raise|bump|nudge|move (it )?up|bring it up|increase|get (it |you )?(to|up to)|"
                    r"closer to|more confident|go up|push it up|from an? \d+ to|what would (help|make)( it| you)? "
                    r"(more|higher|a \d+))\b")
_CONFIDENCE_FOLLOW = re.compile(r"\b(that number|an? \d+|score|rather than|not (a )?lower|not zero|so high|as high|"
                                r"more confident|higher|lower|why (an? )?\d+)\b")
_TEACH_BACK = re.compile(r"\b(in your own words|(tell|run) me (back|through) what|say (it|that) back|recap what|"
                         r"what (are|will) you (going to )?(do|tell)|what have we (agreed|decided)|what we('ve| have) "
                         r"(agreed|decided|said))\b")
_REVIEW = re.compile(r"\b(see you again|meet again|catch up again|speak again|come back|follow[- ]?up|review|"
                     r"(see|meet|speak to|talk to|check in with) you( both| all)? (in|again|after)|"
                     r"book (you|another|a))\b")
# Checking a summary back: the patient says whether it is right.
_CHECK = re.compile(r"\b(have i got (that|it|the gist|this)|did i get (that|it)|is that (right|fair)|does that sound "
                    r"(right|fair)|am i right|got that right|fair summary|is that about it)\b")
# Asking how what was just said went down: the patient reacts to it, as to a summary checked back.
_REACTION = re.compile(r"\b(what do you (make|think) of (that|this|it|all that)|how does (that|this|it|all that) "
                       r"(land|sound|feel|seem)|how do you feel about (that|this|it|all that)|"
                       r"any thoughts on (that|this))\b")
_OFFER = re.compile(r"\b(would you like (me to|some|the|more|a leaflet|to know|to hear)|(can|could|may) i (share|tell|"
                    r"suggest|mention|give|explain|go through|talk you through)|would it (help|be ok|be okay|"
                    r"be alright) if i|do you want (me to|some|the|to hear|to know)|shall i (tell|explain|go through|"
                    r"give))\b")


class Asked(StrEnum):
    """What a trainee's turn asks of the patient."""

    GOAL = "goal"
    STEP = "step"
    CHOICE = "choice"
    BARRIERS = "barriers"
    CONFIDENCE = "confidence"
    CONFIDENCE_WHY = "confidence_why"
    CONFIDENCE_RAISE = "confidence_raise"
    TEACH_BACK = "teach_back"
    REVIEW = "review"
    PERMISSION = "permission"
    CHECK = "check"
    FACT = "fact"
    GENERAL = "general"
    UNKNOWN = "unknown"
    NOTHING = "nothing"


@dataclass(frozen=True)
class Heard:
    """A turn as the patient took it: what it asks, the fact it is about (if any) and the options it names."""

    asked: Asked
    fact: Fact | None = None
    options: tuple[Option, ...] = ()


def words(text: str) -> list[str]:
    """The turn's words, lower case, curly apostrophes straightened."""
    return _WORD.findall(text.lower().replace("\u2019", "'"))


def general(text: str, names: Collection[str] = ()) -> bool:
    """Whether the turn asks about nothing in particular ("How have things been?", "Tell me more."); `names`
    (the patient's, lower case) are how they are addressed, not something asked about."""
    return all(word in GENERAL or word in names or word.isdigit() for word in words(text))


class Hearing:
    """Works out what each turn is about, for one scenario's facts and options."""

    def __init__(self, facts: Sequence[Fact], options: Sequence[Option],
                 meaning: Callable[[], Meaning | None] = lambda: None, names: Collection[str] = ()) -> None:
        self._facts = list(facts)
        self._options = list(options)
        self._meaning = meaning
        self._names = frozenset(word for name in names for word in words(name))

    def hear(self, text: str, coding: Coding, *, rated: bool, told: Collection[str] = ()) -> Heard:
        """What `text` (coded as `coding`) asks; `rated`: the patient has already given a confidence number;
        `told`: the facts already told (between two equally close, the one not yet told is meant)."""
        codes = coding.codes
        lowered = " ".join(words(text))
        focus = asked_part(text)
        asking = bool(codes & (QUESTIONS | {Code.ELICITS_GOAL, Code.ACTION_STEP, Code.TEACH_BACK})) or "?" in text
        options = self.options_named(text)
        if not asking and not codes & {Code.REVIEW_ARRANGED, Code.CONFIDENCE_RULER}:
            return Heard(Asked.NOTHING, self.about(text, told) if codes & _REFLECTING else None, options)
        if Code.TEACH_BACK in codes or _TEACH_BACK.search(lowered):
            return Heard(Asked.TEACH_BACK, options=options)
        if rated and (_RAISE.search(lowered) or (Code.CONFIDENCE_RULER in codes and "?" in text and
                                                 _CONFIDENCE_FOLLOW.search(lowered))):
            kind = Asked.CONFIDENCE_RAISE if _RAISE.search(lowered) else Asked.CONFIDENCE_WHY
            return Heard(kind, options=options)
        if Code.CONFIDENCE_RULER in codes:
            return Heard(Asked.CONFIDENCE, options=options)
        if Code.REVIEW_ARRANGED in codes or (_REVIEW.search(lowered) and not options):
            return Heard(Asked.REVIEW, options=options)
        if _BARRIERS.search(lowered):
            return Heard(Asked.BARRIERS, options=options)
        permission = asks_permission(text) or bool(_OFFER.search(lowered))
        # "Can I mention a few, and you tell me if any appeal?" asks leave first: nothing is named to choose yet.
        if _CHOICE.search(lowered) and not general_choice(lowered) and not (permission and not options):
            return Heard(Asked.CHOICE, options=options)
        if permission:
            return Heard(Asked.PERMISSION, options=options)
        if _STEP.search(lowered):
            return Heard(Asked.STEP, options=options)
        if _CHECK.search(lowered) or _REACTION.search(" ".join(words(focus))):
            return Heard(Asked.CHECK, options=options)
        if Code.ELICITS_GOAL in codes or _GOAL.search(lowered):
            return Heard(Asked.GOAL, options=options)
        # What the questions ask, else the whole turn ("How does that land?" is about what was said before it).
        fact = self.about(focus, told) or (self.about(text, told) if focus != text else None)
        if fact is not None:
            return Heard(Asked.FACT, fact, options)
        if Code.ACTION_STEP in codes:  # the coder's tag alone, on a question about none of their facts
            return Heard(Asked.STEP, options=options)
        if general(focus, self._names) or codes & {Code.ASKS_WHAT_MATTERS, Code.AGENDA_SETTING} or self.inviting(focus):
            return Heard(Asked.GENERAL, options=options)
        return Heard(Asked.UNKNOWN, options=options)

    def about(self, text: str, told: Collection[str] = ()) -> Fact | None:
        """The fact the turn is about: the closest by meaning (or, without an encoder, by topic words), if
        close enough; of two as close, one not yet `told`."""
        turn = _singular(words(text))
        hits = [sum(1 for topic in fact.topics if _singular(words(topic)) <= turn) for fact in self._facts]
        meaning = self._meaning()
        if meaning is None:
            best = max(range(len(self._facts)), key=lambda i: (hits[i], self._facts[i].id not in told), default=None)
            return self._facts[best] if best is not None and hits[best] else None
        views = [_views(fact) for fact in self._facts]
        flat = [view for group in views for view in group]
        scores = iter(meaning.similarity(text, flat))
        closeness = [max(next(scores) for _ in group) + TOPIC_BONUS * min(2, hit) for group, hit in zip(
            views, hits, strict=True)]
        best = max(range(len(self._facts)), key=lambda i: (closeness[i], self._facts[i].id not in told), default=None)
        return self._facts[best] if best is not None and closeness[best] >= MATCH else None

    def near(self, text: str, fact: Fact) -> bool:
        """Whether the turn is at least loosely about `fact` by meaning (never, without an encoder)."""
        meaning = self._meaning()
        return meaning is not None and max(meaning.similarity(text, _views(fact))) >= LOOSE

    def inviting(self, text: str) -> bool:
        """Whether the turn, by meaning, invites the patient to talk about whatever is on their mind."""
        meaning = self._meaning()
        return meaning is not None and max(meaning.similarity(text, INVITATIONS)) >= MATCH

    def options_named(self, text: str) -> tuple[Option, ...]:
        """The planning options the turn names, by their topic words."""
        lowered = " ".join(words(text))
        return tuple(option for option in self._options
                     if any(re.search(rf"\b{re.escape(' '.join(words(topic)))}\b", lowered) for topic in option.topics))


_REFLECTING = frozenset({Code.SIMPLE_REFLECTION, Code.COMPLEX_REFLECTION, Code.SUMMARY})


def asked_part(text: str) -> str:
    """The sentences of a turn that ask something, or the whole turn if none does: "Morning, grab a seat. How have
    things been?" asks what the last sentence asks, and the greeting must not blur it."""
    questions = [sentence for sentence in _SENTENCE.split(text.strip()) if sentence.rstrip().endswith("?")]
    return " ".join(questions) if questions and len(questions) < len(_SENTENCE.split(text.strip())) else text


def _singular(found: list[str]) -> set[str]:
    """Words with a plural -s taken off, so that a topic "puffer" is found in "the puffers" and "stairs" in
    "the stair lift" (both sides are treated alike, so an odd stem matches itself)."""
    return {word[:-3] + "y" if word.endswith("ies") and len(word) > 4 else
            word[:-1] if word.endswith("s") and not word.endswith(("ss", "us", "is")) and len(word) > 3 else word
            for word in found}


def general_choice(lowered: str) -> bool:
    """'Does that sound right?' checks a summary; it does not offer a choice."""
    return bool(re.search(r"\b(does|did) (that|this) sound (right|ok|okay)\b", lowered))


def _views(fact: Fact) -> list[str]:
    """The texts a question about `fact` is compared with."""
    return [*fact.questions, fact.summary, ", ".join(fact.topics) or fact.summary]
