"""The rule-based utterance coder: which behaviours a trainee's words show.

It works sentence by sentence on the shape of the words (question form, who the sentence is about,
advice verbs, feeling words), so that the same code means the same thing to the patient engine and to
the feedback. A learned coder can replace it behind `code_utterance`.
"""

import re
from dataclasses import dataclass

from simulator.coding.care_tags import care_tags
from simulator.coding.codes import MITI, Code

_SENTENCE = re.compile(r"(?<=[.?!])\s+|\s*;\s*")
_WORD = re.compile(r"[a-z']+")

_OPEN_STARTS = ("what", "how", "why", "where", "when", "which", "who", "tell me", "describe", "talk me",
                "say more", "in what way", "help me understand", "walk me")
_INDIRECT_OPEN = re.compile(r"^(can|could|would|will) you (tell|say|describe|talk|help me understand|walk)\b")
_CLOSED_STARTS = ("do", "does", "did", "is", "are", "was", "were", "have", "has", "had", "can", "could",
                  "would", "will", "shall", "should", "may", "might", "any", "anything", "am", "isn't",
                  "aren't", "don't", "didn't", "haven't", "won't", "wouldn't", "right", "ok", "okay")
_PREFACE = re.compile(r"^(so|and|but|ok|okay|right|well|now|then|mm|hmm|i see|i wonder)[, ]+")

_WHAT_MATTERS = re.compile(
    r"matters? (most )?(to|for) you|important (to|for) you|what would you like|what do you want|"
    r"good day|what are you hoping|what would make (a|the) (biggest )?difference|"
    r"what would you (most )?like to (talk|discuss|focus|change|get)|what's on your mind|"
    r"what (do|would) you (most )?(want|hope|wish)|what gets you up|what do you enjoy|"
    r"what (are|were) you looking forward|what keeps you going|what would a good|"
    r"what's most important|what is most important|what (do|did) you love|what do you miss|"
    r"what would you (want|like) to be (able|doing)|what brings you joy"
)
_FEELING = re.compile(
    r"\b(worr\w*|scar\w*|frighten\w*|afraid|anxious|lonely|alone|upset|angry|frustrat\w*|fed up|"
    r"tired|exhausted|overwhelm\w*|sad|low|guilt\w*|ashamed|embarrass\w*|hurt|miss(es|ing)?|grief|"
    r"stress\w*|hopeless|stuck|torn|relie\w*|proud|care\w* about|matters?|important|mean\w*|"
    r"love|hard for you|difficult for you|a lot on|weigh\w*|on your mind)\b"
)
_COMPLEX_MARKERS = re.compile(
    r"\b(sounds like|it seems|seems like|as if|as though|part of you|on the one hand|on the other hand|"
    r"even though|at the same time|i wonder if|i guess|i'm guessing|i'm hearing|i get the sense|"
    r"what you're saying is|almost|really|more than|rather than|because|so much|the last thing)\b"
)
_REFLECTION_STARTS = re.compile(
    r"^(you|you're|you've|you'd|you'll|it sounds|sounds like|it seems|seems like|so you|so it|"
    r"it's been|it has been|that must|that sounds|i'm hearing|i hear|i get the sense|i guess you|"
    r"part of you|on the one hand|what i'm hearing|for you)\b"
)
_SUMMARY = re.compile(
    r"\b(let me (just )?(summari[sz]e|check i've|check that i've|recap|see if i've)|to sum up|in summary|"
    r"so far you've|you've told me|you've mentioned|so to recap|let me pull|pull (that|this|those) together|"
    r"if i've understood|have i got that right|did i get that right|let me check i)"
)
_AFFIRM = re.compile(
    r"\b(well done|good for you|that's (great|brilliant|fantastic|impressive|a real achievement)|"
    r"you've done (really |so )?well|you've worked|you've managed|it took (real )?(courage|guts)|"
    r"you're clearly|you've clearly|you clearly|that shows|you showed|you're (really )?determined|"
    r"you've (really )?(kept|stuck)|you're doing (really )?well|i admire|i can see how much|"
    r"you've put a lot|that's a real strength|you're very resourceful|thank you for (telling|sharing))\b"
)
_COLLABORATION = re.compile(
    r"\b(shall we|should we|how about we|can we|could we|let's|let us|together|where would you like to start|"
    r"would it be (ok|okay|alright|all right) if|is it (ok|okay|alright|all right) if|do you mind if|"
    r"what do you think|how does that sound|does that sound|what do you make of|how would that work|"
    r"what would you like to focus|would you like to|what would work for you|what feels right|"
    r"work (it )?out together|agree on|you and i)\b"
)
_AUTONOMY = re.compile(
    r"\b(up to you|your (choice|decision|call|body)|it's your life|you decide|you choose|you('re| are) the expert|"
    r"only you can|whatever you decide|you know yourself|you know best|you don't have to|no pressure|"
    r"entirely yours|in charge|in control|you get to decide|it's yours)\b"
)
_PERMISSION = re.compile(
    r"\b(would it be (ok|okay|alright|all right) if i|is it (ok|okay|alright|all right) if i|"
    r"can i (share|tell|give|suggest|offer|mention)|could i (share|tell|give|suggest|offer|mention)|"
    r"may i|do you mind if i|would you like (some|to hear|me to|more) (information|ideas|suggestions|"
    r"to know|tell)?|if you('d| would)? like|if you want|some people find|other people have|one option|"
    r"a few options|you might (want to )?consider|it's up to you|see what you think|what do you think)\b"
)
_ADVICE = re.compile(
    r"\b(you (really )?(should|must|need to|have to|ought to|'ve got to|gotta)|you'd better|"
    r"i'd (recommend|suggest|advise)|i (recommend|suggest|advise)|my advice|the best thing (is|would be)|"
    r"why don't you|why not|have you (thought about|considered|tried)|make sure you|you could try|"
    r"it's important (that|to)|it is important (that|to)|if you don't|otherwise you|you'll end up|"
    r"you will end up|you can't keep|you shouldn't|it would be (best|better|good) (if|to)|"
    r"you could (just )?(start|cut|go|take|stop)|some people find|other people have found|one option|"
    r"you might (want to )?consider)\b"
)
_IMPERATIVE = re.compile(
    r"^(please )?(take|eat|drink|walk|exercise|stop|start|cut|go|get|try|avoid|check|keep|lose|reduce|"
    r"increase|use|make|remember|book|join|come back|don't)\b"
)
_CONFRONT = re.compile(
    r"\b(you're not (taking|listening|trying)|you aren't (taking|listening|trying)|you haven't (been|even)|"
    r"that's not true|you're in denial|denial|making excuses|excuses|you should know better|"
    r"you can't keep|i'm not sure you realise|you don't seem to (care|realise|understand)|"
    r"that's (just )?(silly|ridiculous|nonsense)|you only have yourself|it's your own fault|your fault|"
    r"you're going to (die|lose)|face (the )?facts|be honest with yourself|you need to face|"
    r"whose fault|you keep saying|you never|you always)\b"
)
_INFORMATION = re.compile(
    r"(\d|%|\bmmol\b|\bhba1c\b|\bblood (pressure|sugar|test)|\bresults?\b|\breading|\bmeans\b|\bmeasure|"
    r"\btest\b|\bmedic(ine|ation)|\btablets?\b|\binsulin\b|\bkidney|\bheart\b|\bcholesterol|\bdose\b|"
    r"\bthe (nurse|doctor|gp|clinic|team)\b|\bis a\b|\bis when\b|\bcan cause\b|\bhelps?\b|\busually\b|"
    r"\bnormally\b|\brisk\b|\bservice\b|\bgroup\b|\bprogramme\b|\bappointment\b)"
)


@dataclass(frozen=True)
class Coding:
    """The codes one utterance carries, and how many questions it asked (stacked questions matter)."""

    codes: frozenset[Code]
    questions: int

    def __contains__(self, code: object) -> bool:
        return code in self.codes


@dataclass(frozen=True)
class CoderContext:
    """What the coder needs from earlier in the conversation."""

    permission_asked: bool = False  # the trainee's previous turn asked to share information or ideas


def code_utterance(text: str, context: CoderContext = CoderContext()) -> Coding:
    """Code one trainee utterance. Plain, deterministic and fast enough to run on every keystroke."""
    lowered = _normalise(text)
    sentences = [s for s in _SENTENCE.split(lowered) if _WORD.search(s)]
    codes: set[Code] = set()
    questions = 0
    permission = context.permission_asked or bool(_PERMISSION.search(lowered))
    for sentence in sentences:
        kind = _question_kind(sentence)
        if kind is not None:
            questions += 1
            codes.add(kind)
            if _WHAT_MATTERS.search(sentence):
                codes.add(Code.ASKS_WHAT_MATTERS)
        elif _is_reflection(sentence):
            complex_ = bool(_FEELING.search(sentence) or _COMPLEX_MARKERS.search(sentence))
            codes.add(Code.COMPLEX_REFLECTION if complex_ else Code.SIMPLE_REFLECTION)
        if _CONFRONT.search(sentence):
            codes.add(Code.CONFRONT)
        elif kind is None and _is_advice(sentence):
            codes.add(Code.PERSUADE_WITH_PERMISSION if permission else Code.PERSUADE)
        elif kind is None and not _is_reflection(sentence) and _INFORMATION.search(sentence):
            codes.add(Code.GIVING_INFORMATION)
        if _AFFIRM.search(sentence):
            codes.add(Code.AFFIRM)
        if _COLLABORATION.search(sentence):
            codes.add(Code.SEEKING_COLLABORATION)
        if _AUTONOMY.search(sentence):
            codes.add(Code.EMPHASISING_AUTONOMY)
    if _SUMMARY.search(lowered) or _is_multi_reflection(sentences):
        codes.add(Code.SUMMARY)
    if codes & {Code.PERSUADE_WITH_PERMISSION} and Code.PERSUADE in codes:
        codes.discard(Code.PERSUADE)
    if not codes & MITI:
        codes.add(Code.OTHER)
    return Coding(frozenset(codes | care_tags(lowered)), questions)


def asks_permission(text: str) -> bool:
    """Whether this turn asked to share information or ideas, so the next turn's advice is permitted.
    Judged on the surface form, so that every coder gives the next turn the same context."""
    lowered = _normalise(text)
    asked = any(_question_kind(s) is not None for s in _SENTENCE.split(lowered) if _WORD.search(s))
    return asked and bool(_PERMISSION.search(lowered))


def _normalise(text: str) -> str:
    return text.lower().replace("\u2019", "'").replace("\u2018", "'").strip()


def _question_kind(sentence: str) -> Code | None:
    body = _PREFACE.sub("", sentence.strip(" ,.!"))
    body = _PREFACE.sub("", body)
    is_question = sentence.rstrip().endswith("?")
    if body.startswith(_OPEN_STARTS) or _INDIRECT_OPEN.match(body):
        # "How about we ..." and "what if I ..." are suggestions, not questions about the person.
        if body.startswith(("how about", "what if i", "why don't you", "why not")):
            return Code.CLOSED_QUESTION if is_question else None
        if body.startswith(("tell me", "describe", "talk me", "say more", "help me understand", "walk me")):
            return Code.OPEN_QUESTION
        return Code.OPEN_QUESTION if is_question or body.split()[0] in {"what", "how"} else None
    first = body.split()[0] if body.split() else ""
    if first in _CLOSED_STARTS and (is_question or first not in {"right", "ok", "okay", "any", "anything"}):
        return Code.CLOSED_QUESTION if is_question or first in {"do", "does", "did", "is", "are"} else None
    if is_question:
        # Statements with a question mark ("you've been tired?") ask for a yes or no.
        return Code.CLOSED_QUESTION
    return None


def _is_reflection(sentence: str) -> bool:
    body = _PREFACE.sub("", sentence.strip(" ,.!"))
    if not _REFLECTION_STARTS.match(body):
        return False
    return not (_ADVICE.search(body) or _CONFRONT.search(body))


def _is_advice(sentence: str) -> bool:
    body = _PREFACE.sub("", sentence.strip(" ,.!"))
    if _ADVICE.search(body) or _IMPERATIVE.match(body):
        # "Don't worry" and "start by telling me" are not advice about the person's health.
        return not re.match(r"^(don't worry|start by|take your time|go on|don't rush)", body)
    return False


def _is_multi_reflection(sentences: list[str]) -> bool:
    """Three or more reflective sentences in one turn pull threads together: a summary."""
    return sum(_is_reflection(s) for s in sentences) >= 3
