"""Turning what a patient or a trainee said into the words of another move: a patient's sentence said back
to them ("I'm on at six" -> "you're on at six"), a trainer's note about the patient said to them ("Wants
to sing in the choir" -> "you want to sing in the choir"), a closed question opened, a piece of advice
turned into a question about the same thing. Small, deterministic rewrites of plain English; where one
does not apply it says so (None), and the caller falls back on a plainer line.
"""

import re
from collections.abc import Collection

_WORD = re.compile(r"[A-Za-z']+|[^A-Za-z'\s]+|\s+")
_SENTENCE = re.compile(r"(?<=[.!?])\s+")

# First person to second, for saying a patient's words back to them.
_TO_YOU = {
    "i": "you", "i'm": "you're", "i've": "you've", "i'd": "you'd", "i'll": "you'll", "me": "you", "my": "your",
    "mine": "yours", "myself": "yourself", "we": "you", "we're": "you're", "we've": "you've", "our": "your",
    "us": "you", "ours": "yours", "im": "you're", "ive": "you've",
}
# After "I", the verb changes with the pronoun.
_AFTER_I = {"am": "are", "was": "were", "wasn't": "weren't"}
# Words people put round what they mean: left out when their words are said back.
_FILLERS = re.compile(r"(^|,\s*)(mind|love|dear|duck|pet|mate|to be honest|if i'm honest|honestly|really|"
                      r"i'll be honest|put it that way|you know|like|i mean|well|yeah|oh|so)(?=\s*(,|$|\.))", re.I)
_LEADING = re.compile(r"^(well|yeah|oh|so|look|right|ok|okay|i mean|to be honest|honestly|and|but)\b[,\s]*", re.I)


def sentences(text: str) -> list[str]:
    """A text's sentences, each stripped."""
    return [s.strip() for s in _SENTENCE.split(text.strip()) if s.strip()]


def _recase(word: str, like: str) -> str:
    return word[:1].upper() + word[1:] if like[:1].isupper() else word


_TAG = re.compile(r",\s*(isn't|wasn't|doesn't|don't|aren't|won't|can't|haven't|didn't|is|does|do|are) "
                  r"(it|they|you|i|he|she|we|there)\s*[?.!]*$", re.I)


def said_back(sentence: str, names: Collection[str] = ()) -> str:
    """A patient's sentence as the nurse would say it back: first person turned to second, fillers and tag
    questions out, without its closing punctuation, starting in lower case (unless it starts with a name)."""
    text = _LEADING.sub("", sentence.strip()).strip()
    text = _TAG.sub("", text)
    text = _FILLERS.sub("", text).strip(" ,")
    tokens = _WORD.findall(text)
    out: list[str] = []
    previous = ""
    for token in tokens:
        low = token.lower().replace("’", "'")
        if low in _TO_YOU:
            out.append(_TO_YOU[low])
        elif previous in {"i", "im"} and low in _AFTER_I:
            out.append(_AFTER_I[low])
        else:
            out.append(token)
        if token.strip():
            previous = low
    said = "".join(out).strip().rstrip(".!?…").strip(" ,")
    first = re.sub(r"['’]s$", "", said.split(" ", 1)[0])
    return said if first in names else said[:1].lower() + said[1:]


def capitalised(text: str) -> str:
    """The text with its first letter in capitals."""
    return text[:1].upper() + text[1:]


# A trainer's note about a patient ("Wants to sing in the choir; gave it up") said to the patient.
_STATES = {"lonely", "exhausted", "frightened", "tired", "worried", "scared", "anxious", "afraid", "unsure",
           "ashamed", "sick", "breathless", "fed", "embarrassed", "angry", "low", "isolated", "overwhelmed",
           "stressed", "confused"}
_RELATIONS = {"wife", "husband", "partner", "daughter", "son", "mother", "mum", "father", "dad", "sister",
              "brother", "granddaughter", "grandson", "grandchildren", "children", "kids", "friend", "family"}
_KEEP = {"the", "a", "an", "his", "her", "their", "its", "some", "most", "every", "no"}
_IRREGULAR = {"has": "have", "is": "are", "was": "were", "does": "do", "goes": "go", "hasn't": "haven't",
              "isn't": "aren't", "wasn't": "weren't", "doesn't": "don't"}
_PAST = {"had", "went", "lost", "made", "got", "felt", "took", "came", "gave", "left", "found", "thought", "saw",
         "heard", "told", "said", "kept", "fell", "began", "knew", "spent", "sat", "stood", "woke", "drove"}
_MODALS = {"can", "cannot", "can't", "could", "couldn't", "will", "won't", "would", "wouldn't", "should",
           "must", "might", "may"}


def _base(verb: str) -> str:
    """A verb in the third person said for 'you': wants -> want, worries -> worry, has -> have."""
    low = verb.lower()
    if low in _IRREGULAR:
        return _IRREGULAR[low]
    if low.endswith("ies") and len(low) > 4:
        return low[:-3] + "y"
    if low.endswith(("sses", "shes", "ches", "xes", "zes", "oes")):
        return low[:-2]
    return low[:-1] if low.endswith("s") and not low.endswith("ss") else low


def _pronouns(text: str) -> str:
    """His, her, he, she, him said to the person: your, you."""
    text = re.sub(r"\b(he|she) (is|was|has|does)\b", lambda m: "you " + _IRREGULAR[m.group(2)], text, flags=re.I)
    text = re.sub(r"\b(he|she)'s\b", "you're", text, flags=re.I)
    text = re.sub(r"\b(he|she) (\w+s)\b", lambda m: "you " + _base(m.group(2)), text, flags=re.I)
    text = re.sub(r"\b(he|she)\b", "you", text, flags=re.I)
    text = re.sub(r"\b(himself|herself)\b", "yourself", text, flags=re.I)
    text = re.sub(r"\bhis\b", "your", text, flags=re.I)
    text = re.sub(r"\bhim\b", "you", text, flags=re.I)
    # "her" before a word that is not a linking one is hers ("her knees"); else it is her ("worried her").
    text = re.sub(r"\bher\b(?=\s+(?!and\b|or\b|but\b|to\b|with\b|when\b|at\b|in\b|on\b|for\b|about\b)[a-z])",
                  "your", text, flags=re.I)
    return re.sub(r"\bher\b", "you", text, flags=re.I)


def note_said_to(note: str, names: set[str]) -> str:
    """A trainer's note about the patient said to them: 'Wants to get down on the floor with Ava' -> 'you
    want to get down on the floor with Ava'; 'Knee pain is worst on stairs' -> 'your knee pain is worst on
    stairs'. Only the first clause (before ';'), unless it is a single word."""
    clauses = [c.strip() for c in note.split(";") if c.strip()]
    if not clauses:
        return ""
    clause = clauses[0]
    words = clause.split()
    first = words[0].lower().strip(",")
    rest = " ".join(words[1:])
    if words[0] in names:
        said = clause
    elif first in _STATES:
        said = f"you're {clause[:1].lower()}{clause[1:]}"
        if len(words) == 1 and len(clauses) > 1:
            said += " and " + note_said_to(clauses[1], names).removeprefix("you ")
    elif first in _RELATIONS:
        said = f"your {clause[:1].lower()}{clause[1:]}"
    elif first in _KEEP:
        said = clause[:1].lower() + clause[1:]
    elif first in _MODALS or first in _PAST or (first.endswith("ed") and first not in _STATES):
        said = f"you {'were' if first == 'was' else first} {rest}".strip()
    elif first.endswith("ly") and len(words) > 1:
        said = f"you {first} {_base(words[1])} {' '.join(words[2:])}".strip()
    elif first.endswith("s") and not first.endswith("ss") and not (len(words) > 1 and words[1].endswith("ing")):
        said = f"you {_base(first)} {rest}".strip()
    else:
        said = f"your {clause[:1].lower()}{clause[1:]}"
    if said.startswith("you ") and not said.startswith("you're"):
        # "and is afraid", "and keeps a spreadsheet": the verbs that share the elided subject follow it.
        said = re.sub(r"(\band|\bbut|,) (\w+s)\b(?= (?:not|a|an|the|to|that|she|he|her|his|about|more|less|"
                      r"\d+|one|two|three|four|five|six|ten|twenty|" + "|".join(_STATES | {"ashamed"}) + r")\b)",
                      lambda m: f"{m.group(1)} {_base(m.group(2))}", said)
        said = re.sub(r"(\bbut) (\w+s)\b", lambda m: f"{m.group(1)} {_base(m.group(2))}", said)
    return _pronouns(said).rstrip(".")


_DOUBLE = {"stop", "cut", "get", "run", "jog", "shop", "swim", "sit", "put", "plan", "quit", "skip", "drop", "set",
           "chat", "step", "hop", "hit", "let", "begin", "forget", "nap", "dip"}


def gerund(verb: str) -> str:
    """The -ing form of a verb: lose -> losing, stop -> stopping, be -> being, lie -> lying."""
    low = verb.lower()
    if low.endswith("ing") and len(low) > 4:
        return low
    if low in _DOUBLE:
        return low + low[-1] + "ing"
    if low.endswith("ie"):
        return low[:-2] + "ying"
    if low.endswith("e") and low not in {"be", "see", "free", "agree"} and not low.endswith(("ee", "oe", "ye")):
        return low[:-1] + "ing"
    return low + "ing"


def _action(phrase: str) -> str:
    """An advised action as a gerund phrase: 'lose some weight' -> 'losing some weight'; 'be walking more'
    -> 'walking more'."""
    words = phrase.split()
    if len(words) > 1 and words[0].lower() == "be" and words[1].lower().endswith("ing"):
        words = words[1:]
    if len(words) > 1 and words[0].lower() in {"really", "just", "definitely", "try", "start", "also"} \
            and words[0].lower() != "try":
        words = words[1:]
    # "come back and see me": the second verb says what the first is for.
    rest = re.sub(r"\band (see|get|have|try|talk)\b", r"to \1", " ".join(words[1:]))
    return " ".join([gerund(words[0]), rest]).strip()


_ADVICE = re.compile(
    r"\b(?:you (?:really |just |definitely )?(?:need to|have to|ought to|must|should|'ve got to|have got to|'ll "
    r"have to|had better|'d better)(?: really)?(?: try to| try and)?|you'd better|why don't you|why not|make sure "
    r"(?:that )?you|remember to|don't forget to|i'd (?:really )?(?:recommend|suggest|advise)(?: that)?(?: you)?"
    r"|i (?:would )?(?:recommend|suggest|advise)(?: that)?(?: you)?|(?:it's|it is) (?:really )?(?:important|"
    r"essential|vital|best)(?: that you| to| for you to)|the best thing (?:is|would be) to|try to|you could "
    r"always|my advice is to)\s+(.+)", re.I)
_IMPERATIVE = re.compile(r"^(?:please )?((?:stop|start|try|cut|take|eat|walk|go|keep|get|use|drink|check|join|"
                         r"book|come|lose|do|avoid|make|give|think about|remember|swap|have)\b.*)", re.I)


def advised_action(advice: str) -> str | None:
    """What a piece of advice told the person to do, as a gerund phrase ('You need to lose some weight' ->
    'losing some weight'), or None where it names no action (a warning, say)."""
    text = advice.strip().rstrip(".!?").strip()
    found = _ADVICE.search(text) or _IMPERATIVE.match(text)
    if found is None:
        return None
    phrase = re.split(r"[,;:]| or (?:it|you|else)\b| because\b| so that\b| otherwise\b", found.group(1))[0].strip()
    phrase = re.sub(r"^(ing|ed)\b", "", phrase).strip()
    words = phrase.lower().split()
    if not words or (len(words) <= 3 and any(w in {"this", "that", "it", "things"} for w in words[1:2])):
        return None
    return _action(phrase)


def opened(question: str) -> str | None:
    """A closed question asked as an open one, from its own words ('Are you taking your tablets?' -> 'How
    are you getting on with taking your tablets?'), or None where no rewrite fits."""
    q = re.sub(r"^(so|and|right|ok|okay|now|and so)\b,?\s*", "", question.strip().rstrip("?").strip(), flags=re.I)
    q = re.sub(r",?\s*(then|at all|though|really)$", "", q, flags=re.I)
    low = q.lower()
    rules: list[tuple[str, str]] = [
        (r"^(?:is|was) there anything else\b.*", "What else would you like to talk about today?"),
        (r"^anything else\b.*", "What else would you like to talk about today?"),
        (r"^(?:are|were) you (\w+ing) (?:ok|okay|alright|all right|well)$", "How are you {1}?"),
        (r"^(?:are|were) you (\w+ing) (.+?) (?:much|a lot|often)$", "How often are you {1} {2} these days?"),
        (r"^(?:do|did) you (\w+) (.+?) (?:much|a lot|often)$", "How often do you {1} {2} these days?"),
        (r"^(?:are|were) you (doing|getting|having|taking|eating) any (.+)$", "What {2} are you {1} at the moment?"),
        (r"^(?:are|were) you (\w+ing) (.+)$", "How are you getting on with {1} {2}?"),
        (r"^(?:are|were) you (\w+ing)$", "How are you getting on with {1}?"),
        (r"^have you been (\w+ing) (.+)$", "How have you been getting on with {1} {2}?"),
        (r"^have you (?:had|got|noticed|felt|seen) any (.+)$", "Tell me about any {1} you've noticed."),
        (r"^have you (?:had|got) (.+)$", "Tell me about {1}."),
        (r"^any (?:problems|trouble|issues|worries|difficulty|difficulties) with (.+)$", "How have things been with {1}?"),
        (r"^(?:do|did) you (?:have|get) any (.+)$", "What {1} do you have?"),
        (r"^(?:did|have) you (?:read|look at|see|get|open|had a chance to (?:read|look at)) (your|the) (results?|"
         r"letter|bloods?|numbers)\b.*$", "What did you make of {1} {2}?"),
        (r"^did you (\w+)(.*)$", "How did {g1}{2} go?"),
        (r"^(?:do|would) you (?:want|like) to (\w+)(.*)$", "How would you feel about {g1}{2}?"),
        (r"^(?:is|are) (your|the) (.+) (\w+)$", "How would you describe {1} {2}?"),
        (r"^(?:can|could) you (\w+)(.*)$", "How do you get on with {g1}{2}?"),
        (r"^(?:will|would) you (\w+)(.*)$", "How would you feel about {g1}{2}?"),
        (r"^(?:shall|should) (?:we|i) (\w+)(.*)$", "How would you feel about {g1}{2}?"),
        (r"^(?:do|did) you (?!think|feel|know|mind|understand|want|reckon)(\w+)(.*)$",
         "How do you feel about {g1}{2} at the moment?"),
    ]
    for pattern, template in rules:
        match = re.match(pattern, low)
        if match is None:
            continue
        # Each group in the question's own spelling, so names keep their capitals.
        groups = [q[match.start(i):match.end(i)] for i in range(1, (match.lastindex or 0) + 1)]
        text = template
        for i, group in enumerate(groups, 1):
            text = text.replace(f"{{g{i}}}", gerund(group)).replace(f"{{{i}}}", group)
        return capitalised(re.sub(r"\s+", " ", text))
    return None


def listed(items: list[str], last: str = "and") -> str:
    """'a', 'a and b', 'a, b and c'."""
    if not items:
        return ""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + f" {last} " + items[-1]


_NOT_NAMES = {"I", "I'm", "I've", "I'd", "I'll", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday",
              "Sunday", "January", "February", "March", "April", "May", "June", "July", "August", "September",
              "October", "November", "December", "Mum", "Dad", "Nan", "God", "OK"}


def proper_names(text: str) -> list[str]:
    """The names in a text, in order: words in capitals that do not start a sentence (nor 'I' or a day)."""
    found: list[str] = []
    for sentence in sentences(text):
        for word in re.findall(r"[A-Za-z][A-Za-z'’]*", sentence)[1:]:
            word = re.sub(r"['’]s$", "", word)
            if word[:1].isupper() and not word.isupper() and word not in _NOT_NAMES and word not in found:
                found.append(word)
    return found
