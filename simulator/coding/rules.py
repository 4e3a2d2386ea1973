"""The rule-based utterance coder: which behaviours a trainee's words show.

It works sentence by sentence on the shape of the words (question form, who the sentence is about,
advice verbs, feeling words), so that the same code means the same thing to the patient engine and to
the feedback. The learned coder (coding/learned.py) reads these codes as features beside the words.
"""

import re
from dataclasses import dataclass

from simulator.coding.care_tags import care_tags
from simulator.coding.codes import MITI, Code

_SENTENCE = re.compile(r"(?<=[.?!])\s+|\s*;\s*")
_WORD = re.compile(r"[a-z']+")

_OPEN_STARTS = ("what", "how", "why", "where", "when", "which", "who", "tell me", "describe", "talk me",
                "say more", "in what way", "help me understand", "walk me", "i wonder what", "i wonder how",
                "i'm curious", "i'd love to hear", "i'd like to hear")
_INDIRECT_OPEN = re.compile(r"^(can|could|would|will) you (tell|say|describe|talk|help me understand|walk|explain)\b")
_CLOSED_STARTS = ("do", "does", "did", "is", "are", "was", "were", "have", "has", "had", "can", "could",
                  "would", "will", "shall", "should", "may", "might", "any", "anything", "am", "isn't",
                  "aren't", "don't", "didn't", "haven't", "won't", "wouldn't", "right", "ok", "okay")
_PREFACE = re.compile(r"^(so|and|but|ok|okay|right|well(?! done)|now|then|mm|hmm|i see|i wonder|alright|great|lovely|"
                      r"thanks|thank you)[, ]+")
# A question led in by a clause: "Before we look at the numbers, how have things been?"
_LEAD_IN = re.compile(r"^.*?[,:\u2013\u2014-]\s*(?=(what|how|why|where|when|which|who|tell me|do|does|did|is|are|"
                      r"was|were|have|has|can|could|would|will|shall)\b)")
_WHAT_MATTERS = re.compile(
    r"matters? (most )?(to|for) you|important (to|for) you|what would you like|what do you want|"
    r"good day|what are you hoping|what would make (a|the) (biggest )?difference|"
    r"what would you (most )?like to (talk|discuss|focus|change|get)|what's on your mind|"
    r"what (do|would) you (most )?(want|hope|wish)|what gets you up|what do you enjoy|"
    r"what (are|were) you looking forward|what keeps you going|what would a good|"
    r"what's most important|what is most important|what (do|did) you love|what do you miss|"
    r"what would you (want|like) to be (able|doing)|what brings you joy|what do you care about|"
    r"what makes life|what's life like|what does a (normal|typical|usual) (day|week)|"
    r"what (do|did) you used to (do|enjoy)|what are you proud|what are your hopes"
)
_FEELING = re.compile(
    r"\b(worr\w*|scar\w*|frighten\w*|afraid|anxious|lonely|alone|upset|angry|frustrat\w*|fed up|"
    r"tired|exhausted|overwhelm\w*|sad|low|guilt\w*|ashamed|embarrass\w*|hurt|miss(es|ing)?|grief|"
    r"stress\w*|hopeless|stuck|torn|relie\w*|proud|care\w* about|matters?|important|mean\w*|"
    r"love|hard for you|difficult for you|a lot on|weigh\w*|on your mind|dread\w*|wear\w* you|"
    r"gutted|heartbr\w*|cross|annoy\w*|sick of|done in|knackered|shattered)\b"
)
_COMPLEX_MARKERS = re.compile(
    r"\b(sounds like|it seems|seems like|as if|as though|part of you|on the one hand|on the other hand|"
    r"even though|at the same time|i wonder if|i guess|i'm guessing|i'm hearing|i get the sense|"
    r"what you're saying is|almost|really|more than|rather than|because|so much|the last thing|"
    r"and yet|but still|whereas|no one|nobody|everyone else|all on your own)\b"
)
_REFLECTION_STARTS = re.compile(
    r"^(you|you're|you've|you'd|you'll|it sounds|sounds like|it seems|seems like|so you|so it|"
    r"it's been|it has been|that must|that sounds|i'm hearing|i hear|i get the sense|i guess you|"
    r"part of you|on the one hand|what i'm hearing|for you|your (main|biggest|real)|the (nights|mornings|"
    r"evenings|stairs|pain|worry|tiredness|breathlessness)|there's a lot|it feels|feels like|"
    r"it's (the|not|more|hard|been)|(it|that)'s what)\b"
)
_SUMMARY = re.compile(
    r"\b(let me (just )?(summari[sz]e|check i've|check that i've|recap|see if i've)|to sum up|in summary|"
    r"so far you've|you've told me|you've mentioned|so to recap|let me pull|pull (that|this|those) together|"
    r"if i've understood|if i've got (this|that|it) right|let me check i|so,? (there's|we've got|we've "
    r"talked about) .+,.+ and)"
)
# Praise counts as an affirm only when it names what the person did or is ("Well done" alone is not one).
_AFFIRM = re.compile(
    r"\b(well done (for|on|to)|good for you|(that's|that is) (great|brilliant|fantastic|impressive|a real "
    r"achievement|really (good|something))|you've done (really |so )?well|you've worked|you've managed|"
    r"it took (real )?(courage|guts|determination)|takes (real )?(courage|guts|determination|commitment)|"
    r"you're clearly|you've clearly|you clearly|that shows|you showed|you're (really )?(determined|"
    r"resourceful|organised|committed)|you've (really )?(kept|stuck)|you're doing (really )?well|i admire|"
    r"i can see how much|you've put a lot|that's a real strength|thank you for (telling|sharing|being "
    r"honest)|you've been (really )?(brave|honest|thorough)|credit to you|you should be proud|"
    r"you've thought (about this|this through|carefully))\b"
)
_GENERIC_PRAISE = re.compile(r"^(well done|great|brilliant|excellent|good|lovely|fantastic|perfect|amazing|"
                             r"super|nice one|good stuff|great stuff)( (then|you|job|work))?[!. ]*$")
_COLLABORATION = re.compile(
    r"\b(shall we|should we|how about we|can we|could we|let's|let us|together|where would you like to start|"
    r"what do you think|how does that sound|does that sound|what do you make of|how would that work|"
    r"what would you like to focus|what would work for you|what feels right|what would suit you|"
    r"work (it )?out together|agree on|you and i|rather than (me )?tell(ing)? you|your ideas|"
    r"what ideas do you have|between us)\b"
)
_AUTONOMY = re.compile(
    r"\b(up to you|your (choice|decision|call|body|life)|it's your life|you decide|you choose|"
    r"you('re| are) the expert|only you can|whatever you decide|you know yourself|you know best|"
    r"you don't have to|no pressure|entirely yours|in charge|in control|you get to decide|it's yours|"
    r"you know (your own|what works for you)|what you decide|you're the (boss|one who)|i'll support (you|"
    r"whatever)|no one can make you|nobody can make you|nothing has to change|if and when you)\b"
)
# Asking permission to share ideas or information (seeking collaboration in MITI 4.2.1).
_PERMISSION_QUESTION = re.compile(
    r"\b(would it be (ok|okay|alright|all right|helpful|useful) (if|for me to)|is it (ok|okay|alright|all right) "
    r"(if|for me to)|would it help if i|(can|could|may) i (share|tell|give|suggest|offer|mention|run|pass on|"
    r"make a suggestion|throw in|explain|go through|talk you through)|do you mind if i|would you (like|want) "
    r"(me to|to hear|some|a few|to know|more)|do you want (me to|to hear|to know|some)|are you happy for me to|"
    r"how would you feel (if|about) (i|me)|would you be interested in (hearing|knowing)|shall i (tell|go through|explain))\b"
)
_PERMISSION = re.compile(_PERMISSION_QUESTION.pattern + r"|\b(if you('d| would)? like|if you want|"
                         r"it's up to you|see what you think)\b")
# Advice framed with choice: still advice, but with the person's permission in MITI's terms.
_CHOICE = re.compile(
    r"\b(some people (find|have found|like|try)|other people have|one option|another option|a few options|"
    r"a couple of (options|ideas|things)|you might (or might not|want to consider|consider)|might or might not|"
    r"if (any|either|that) (appeals|suits)|it's (entirely )?up to you|see what you think|or something else|"
    r"which,? if any|none of (them|these)|whatever suits|could be an option|is an option)\b"
)
_ADVICE = re.compile(
    r"\b(you (really |just |honestly |definitely )?(should|must|need to|have to|ought to|'ve got to|gotta|"
    r"want to make sure)|you'd better|you'd be better|i'd (recommend|suggest|advise|really|definitely|"
    r"strongly)|i (recommend|suggest|advise|would recommend|would suggest)|my advice|the best thing (is|"
    r"would be|to do)|why don't you|why not|have you (ever )?(thought about|considered|thought of)|"
    r"make sure you|you could try|it's (really )?(important|vital|essential) (that|to)|it is (important|"
    r"vital|essential) (that|to)|if you don't|if you carry on|if you keep|otherwise you|you'll end up|"
    r"you will end up|you can't keep|you shouldn't|it would be (best|better|good|wise) (if|to)|"
    r"you could (just )?(start|cut|go|take|stop|try|swap|switch|join|get)|some people find|other people have "
    r"found|one option|you might (want to )?consider|wouldn't it be (better|easier|best)|don't you think you|"
    r"if i were you|what you need (to do )?is|you're going to have to|the answer is to|all you need|"
    r"your goal (is|will be|should be)|your target (is|will be|should be)|let's get you|i want you to|"
    r"i'd like you to|i'll put you down for|we need to get (you|your)|you just need|"
    r"try (to|and) (cut|eat|walk|get|stop|drink|lose|take))\b"
)
# Advice with the imperative as its first word, after any "so", "and", "please" or the like.
_IMPERATIVE = re.compile(
    r"^(please |just |try and |try to )?(take|eat|drink|walk|exercise|stop|start|cut|go|get|try|avoid|check|keep|"
    r"lose|reduce|increase|use|make|remember|book|join|come back|don't|swap|switch|give up|ditch|knock|"
    r"lay off|put|ring|call|buy|sign up|stick to|aim for|have a go)\b"
)
_NOT_ADVICE = re.compile(r"^(don't worry|start by|take your time|go on|don't rush|take a seat|come in|have a seat|"
                         r"tell me|remember when|try to remember|make yourself|get comfortable|keep going,? "
                         r"(tell|i'm))")
_CONFRONT = re.compile(
    r"\b(you're not (taking|listening|trying)|you aren't (taking|listening|trying)|you haven't (been|even)|"
    r"that's not true|you're in denial|denial|making excuses|excuses|you should know better|"
    r"you can't keep|i'm not sure you realise|you don't seem to (care|realise|understand)|"
    r"that's (just )?(silly|ridiculous|nonsense)|you only have yourself|it's your own fault|your fault|"
    r"you're going to (die|lose)|face (the )?facts|be honest with yourself|you need to face|"
    r"whose fault|you keep saying|you never|you always|do you (really|honestly|seriously) (think|expect|"
    r"believe)|are you (really|honestly|seriously) (telling|saying|expecting)|why (haven't|didn't|wouldn't|"
    r"won't) you (just )?(take|do|listen|stop|bother|come|tell)|how many times (have|do) i|surely you|"
    r"you can't (blame|expect|say)|come off it|let's be honest|be realistic|that's no excuse|"
    r"you know (full well|perfectly well)|that's not (really )?(good enough|an excuse))\b"
)
_INFORMATION = re.compile(
    r"(\d|%|\bmmol\b|\bhba1c\b|\bblood (pressure|sugar|test)|\bresults?\b|\breading|\bmeans\b|\bmeasure|"
    r"\btest\b|\bmedic(ine|ation)|\btablets?\b|\binsulin\b|\bkidney|\bheart\b|\bcholesterol|\bdose\b|"
    r"\bthe (nurse|doctor|gp|clinic|team)\b|\bis a\b|\bis when\b|\bcan cause\b|\bhelps?\b|\busually\b|"
    r"\bnormally\b|\brisk\b|\bservice\b|\bgroup\b|\bprogramme\b|\bappointment\b|\bmeets\b|\bruns\b|"
    r"\bit's (free|on|at)\b|\binhaler|\bsteroid|\bstatin|\bscan\b|\bx-ray)"
)


@dataclass(frozen=True)
class CoderContext:
    """What the coder needs from earlier in the conversation."""

    permission_asked: bool = False  # the trainee asked to share information or ideas before this utterance


def code_utterance(text: str, context: CoderContext = CoderContext()) -> frozenset[Code]:
    """Code one trainee utterance. Plain, deterministic and fast enough to run on every keystroke."""
    lowered = _normalise(text)
    sentences = [s for s in _SENTENCE.split(lowered) if _WORD.search(s)]
    codes: set[Code] = set()
    permission = context.permission_asked or bool(_PERMISSION.search(lowered))
    for sentence in sentences:
        codes |= _sentence_codes(sentence, permission)
    if _SUMMARY.search(lowered) or _is_multi_reflection(sentences):
        codes |= {Code.SUMMARY, Code.COMPLEX_REFLECTION}
        codes -= {Code.SIMPLE_REFLECTION}
    if Code.PERSUADE_WITH_PERMISSION in codes:
        codes.discard(Code.PERSUADE)
    if not codes & MITI:
        codes.add(Code.OTHER)
    return frozenset(codes | care_tags(lowered))


def _sentence_codes(sentence: str, permission: bool) -> set[Code]:
    codes: set[Code] = set()
    advice = _is_advice(sentence) and not _PERMISSION_QUESTION.search(sentence)
    confront = bool(_CONFRONT.search(sentence))
    kind = None if advice or confront else _question_kind(sentence)
    if kind is not None:
        codes.add(kind)
        if _WHAT_MATTERS.search(sentence):
            codes.add(Code.ASKS_WHAT_MATTERS)
    elif _is_reflection(sentence):
        complex_ = bool(_FEELING.search(sentence) or _COMPLEX_MARKERS.search(sentence))
        codes.add(Code.COMPLEX_REFLECTION if complex_ else Code.SIMPLE_REFLECTION)
    if confront:
        codes.add(Code.CONFRONT)
    elif advice:
        codes.add(Code.PERSUADE_WITH_PERMISSION if permission or _CHOICE.search(sentence) else Code.PERSUADE)
    elif kind is None and not _is_reflection(sentence) and _INFORMATION.search(sentence):
        codes.add(Code.GIVING_INFORMATION)
    if _is_affirm(sentence):
        codes.add(Code.AFFIRM)
    if _COLLABORATION.search(sentence) or _PERMISSION_QUESTION.search(sentence):
        codes.add(Code.SEEKING_COLLABORATION)
    if _AUTONOMY.search(sentence):
        codes.add(Code.EMPHASISING_AUTONOMY)
    return codes


def asks_permission(text: str) -> bool:
    """Whether this turn asked to share information or ideas, so the next turn's advice is permitted.
    Judged on the surface form, so that every coder gives the next turn the same context."""
    lowered = _normalise(text)
    asked = any(_question_kind(s) is not None for s in _SENTENCE.split(lowered) if _WORD.search(s))
    return asked and bool(_PERMISSION_QUESTION.search(lowered))


def _normalise(text: str) -> str:
    return text.lower().replace("\u2019", "'").replace("\u2018", "'").strip()


def _body(sentence: str) -> str:
    body = _PREFACE.sub("", sentence.strip(" ,.!"))
    return _PREFACE.sub("", body)


def _question_kind(sentence: str) -> Code | None:
    body = _body(sentence)
    is_question = sentence.rstrip().endswith("?")
    if is_question and not body.startswith(_OPEN_STARTS + _CLOSED_STARTS):
        body = _LEAD_IN.sub("", body, count=1)
    if body.startswith(_OPEN_STARTS) or _INDIRECT_OPEN.match(body):
        # "How about we ..." and "what if I ..." are suggestions, not questions about the person.
        if body.startswith(("how about", "what if i", "why don't you", "why not")):
            return Code.CLOSED_QUESTION if is_question else None
        if body.startswith(("tell me", "describe", "talk me", "say more", "help me understand", "walk me",
                            "i'm curious", "i'd love to hear", "i'd like to hear")):
            return Code.OPEN_QUESTION
        return Code.OPEN_QUESTION if is_question or body.split()[0] in {"what", "how"} else None
    first = body.split()[0] if body.split() else ""
    if first in _CLOSED_STARTS and (is_question or first not in {"right", "ok", "okay", "any", "anything"}):
        return Code.CLOSED_QUESTION if is_question or first in {"do", "does", "did", "is", "are"} else None
    if is_question and not _REFLECTION_STARTS.match(body):
        # A statement with a question mark is a reflection when it restates the person ("The nights are
        # the worst?"); otherwise it asks for a yes or no ("Tuesday then?").
        return Code.CLOSED_QUESTION
    return None


def _is_reflection(sentence: str) -> bool:
    body = _body(sentence)
    if not _REFLECTION_STARTS.match(body):
        return False
    return not (_ADVICE.search(body) or _CONFRONT.search(body) or _AFFIRM.search(body)
                or _AUTONOMY.search(body))


def _is_advice(sentence: str) -> bool:
    body = _body(sentence)
    if _NOT_ADVICE.match(body):
        return False
    return bool(_ADVICE.search(body) or _IMPERATIVE.match(body))


def _is_affirm(sentence: str) -> bool:
    body = _body(sentence)
    return bool(_AFFIRM.search(body)) and not _GENERIC_PRAISE.match(body)


def _is_multi_reflection(sentences: list[str]) -> bool:
    """Three or more reflective sentences in one turn pull threads together: a summary."""
    return sum(_is_reflection(s) for s in sentences) >= 3
