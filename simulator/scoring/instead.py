"""What to say instead: an example line written for this patient and this moment.

Each line is built from the scenario as it was played (the person's name, their conditions, what they
said and the cue they dropped, what came out) and from the trainee's own turn at the moment (their
closed question opened up, their advice turned into a question about the same thing). Which line a
behaviour gets follows from the move that evidences it (its rubric codes), so a rubric's own behaviours
get lines too; one with no writer keeps the rubric's example. Pure functions: the same transcript always
gets the same lines.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass

from simulator.coding.care_tags import step_elements
from simulator.coding.codes import REFLECTIONS, Code
from simulator.content.rubric import Behaviour
from simulator.content.scenario import Fact, HiddenFact, Scenario
from simulator.patient.engine import AGAIN, Intent
from simulator.scoring.score import STEP_ELEMENTS, CodedTurn, Conversation
from simulator.scoring.wording import (
    advised_action,
    capitalised,
    listed,
    note_said_to,
    opened,
    proper_names,
    said_back,
    sentences,
)
from simulator.storage.events import Event, PatientTurn

# What a patient says when something weighs on them: the sentence worth saying back.
FEELING = re.compile(r"\b(keeps me up|lose|losing|off the road|easy|worr\w*|scar\w*|fright\w*|afraid|fear\w*|tired|exhaust\w*|lonely|alone|miss\w*|"
                     r"gets me|get me down|gets you down|letting \w+ down|hard|awful|stress\w*|upset\w*|sick of|"
                     r"fed up|can't|cannot|couldn't|don't want|hate|struggl\w*|useless|ashamed|guilty|sad|angry|"
                     r"nervous|panic\w*|killing me|rough|difficult|embarrass\w*)\b", re.I)
# A sentence about something the patient does or did for themselves or others: what to affirm.
EFFORT = re.compile(r"\b(I've been|I have been|I try|I tried|I still|I keep|I kept|I look after|I have our|"
                    r"I've kept|I manage|I walk|I do|I did|I went|I wrote|I read|I've brought|I've prepared|I came|"
                    r"I check|I count|I run|I measure|I keep a|I've stopped|I stopped|I gave up|I've cut)\b", re.I)
TIME_SHORT = re.compile(r"\b(not got long|only got (till|until|ten|five|a few)|got to (get|go|pick)|in a rush|"
                        r"on at \w+|quick|short of time)\b", re.I)
# Places and activities around a person that support beyond medicine can start from.
COMMUNITY = re.compile(r"\b(leisure centre|lunch club|club|choir|church|group|class|gym|pool|rehab|legion|"
                       r"job centre|library|allotment)\b", re.I)
USED_TO = re.compile(r"\bI used to\b", re.I)
# Agreeing when to meet again, asked rather than told.
REVIEW = "When would suit you to meet again and see how it's going? And what will you do if it isn't working?"


@dataclass(frozen=True)
class Said:
    """One thing the patient said, and what it did."""

    turn: int
    text: str
    intent: Intent | None
    released: tuple[str, ...]
    cue: str | None


@dataclass(frozen=True)
class Scene:
    """Who the patient is and what they said: what the lines are written from."""

    name: str
    conditions: list[str]
    names: set[str]  # the people and places in the person's life
    said: list[Said]
    facts: dict[str, Fact]
    priority: HiddenFact | None
    prepared: bool | None
    letter: str

    def heard_names(self) -> list[str]:
        """The people and places the patient named, in the order they first named them."""
        named = proper_names(" ".join(s.text for s in self.said if s.intent is not Intent.CLOSING))
        return [n for n in named if n in self.names]

    def came_about(self) -> list[str]:
        """What the patient said they came about, in the nurse's words: 'my knees' -> 'your knees'."""
        opening = self.said[0].text if self.said else ""
        found = [f"your {m.group(1).lower()}" for m in re.finditer(r"\bmy ([a-z]+)\b", opening, re.I)]
        return list(dict.fromkeys(found))[:3]

    def released(self) -> list[Fact]:
        """The facts that came out, the hidden priority first."""
        ids = [fact_id for s in self.said for fact_id in s.released if fact_id in self.facts]
        ordered = sorted(dict.fromkeys(ids), key=lambda i: not (self.priority and i == self.priority.id))
        return [self.facts[i] for i in ordered]

    def priority_words(self) -> str | None:
        """What the patient's priority was about, in a few of their words: a name they used, else a topic."""
        priority = self.priority
        # Told, not only hinted at: the lines say "you told me about".
        if priority is None or not any(priority.id in s.released for s in self.said):
            return None
        told = " ".join(s.text for s in self.said if priority.id in s.released)
        named = [n for n in proper_names(told) if n in self.names]
        if named:
            return named[0]
        lowered = told.lower()
        mine = next((t for t in priority.topics if re.search(rf"\bmy {re.escape(t.lower())}\b", lowered)), None)
        if mine:
            return f"your {mine}"
        topic = next((t for t in priority.topics if re.search(rf"\b{re.escape(t.lower())}\b", lowered)), None)
        return f"the {topic}" if topic else None


def scene_of(scenario: Scenario, events: list[Event]) -> Scene:
    """The scene of one played visit."""
    persona = scenario.persona
    names = set(proper_names(persona.life_context)) - set(persona.name.split())
    preparation = scenario.preparation
    facts: dict[str, Fact] = {f.id: f for f in [*scenario.free_facts, *scenario.hidden_facts]}
    said = [Said(e.turn, e.text, e.intent, tuple(e.released), e.cue) for e in events if isinstance(e, PatientTurn)]
    return Scene(persona.name.split()[0], [_condition(c) for c in persona.conditions], names, said, facts,
                 scenario.priority, preparation.prepared if preparation else None, scenario.results_letter)


def _condition(condition: str) -> str:
    """A condition as said in a sentence: 'Type 2 diabetes' -> 'type 2 diabetes', 'COPD' stays."""
    plain = re.sub(r"\s*\(.*?\)", "", condition).strip()
    first = plain.split(" ", 1)[0]
    return plain if first.isupper() and len(first) > 1 else plain[:1].lower() + plain[1:]


def _shortest(scene: Scene) -> str:
    return min(scene.conditions, key=len) if scene.conditions else "health"


def _before(scene: Scene, moment: CodedTurn | None) -> list[Said]:
    """What the patient had said by the moment (everything, when there is no moment)."""
    if moment is None:
        return [s for s in scene.said if s.intent is not Intent.CLOSING]
    return [s for s in scene.said if s.turn < moment.number and s.intent is not Intent.CLOSING]


def _worth(sentence: str) -> float:
    """How much a sentence is worth saying back: a feeling, the person's own life (I, my), not a pointer
    back to something said before ('That's why...'), and some length."""
    return (3 * bool(FEELING.search(sentence)) + bool(re.search(r"\b(I|my|me|I'm|I've)\b", sentence))
            - 2 * bool(re.match(r"(that|it|this|those)\b", sentence, re.I)) + min(len(sentence.split()), 20) / 20)


def telling(text: str) -> str | None:
    """The sentence of a patient's turn most worth saying back, cut at a clause so it stays short. A line said
    again is said back without its "Like I said"."""
    for again in AGAIN:
        text = text.removeprefix(again)
    found = [s for s in sentences(text) if len(s.split()) >= 3]
    if not found:
        return None
    sentence = max(found, key=_worth)
    clauses = re.split(r"(?<=,)\s+(?=and\b|but\b)|;\s*", sentence)
    kept = clauses[0].rstrip(",")
    return kept if len(kept.split()) >= 3 else sentence


def _reflection(text: str, names: set[str], kind: str = "simple") -> str | None:
    """Their words said back: simply, as a hint explored ('hint'), or as what a disclosure means ('told')."""
    said = telling(text)
    if said is None:
        return None
    back = said_back(said, names)
    if kind == "hint":
        return f"{capitalised(back)}. It sounds like there's more behind that."
    if kind == "told":
        return f"It sounds like {back}. That's a lot to be carrying."
    # "It sounds like it's not as easy as it sounds" would trip over itself.
    return f"So {back}." if "sound" in back else f"It sounds like {back}."


# A writer: the scene, the moment (the trainee's turn it is about, if any) and the whole conversation.
Writer = Callable[[Scene, CodedTurn | None, Conversation], str | None]


def _orient(scene: Scene, moment: CodedTurn | None, conversation: Conversation) -> str:
    opening = scene.said[0].text if scene.said else ""
    start = (f"{scene.name}, I know time's short, so let's make it count: this is your time, and we'll make a plan "
             f"together." if TIME_SHORT.search(opening)
             else f"{scene.name}, this is your time, and we'll make a plan together.")
    about = scene.came_about()
    return f"{start} You mentioned {listed(about)}: what would you like us to focus on today?" if about \
        else f"{start} What would you like us to focus on today?"


def _agenda(scene: Scene, moment: CodedTurn | None, conversation: Conversation) -> str:
    about = scene.came_about()
    if about:
        return f"You mentioned {listed(about)}. What else would you like to talk about today, so we can decide " \
               f"together where to start?"
    return f"What would you like to talk about today, {scene.name}? … And what else?"


def _results(scene: Scene, moment: CodedTurn | None, conversation: Conversation) -> str:
    if scene.prepared is False:
        return f"I'm not sure you've had a chance to look at your results letter, {scene.name}. What would be most " \
               f"useful to know about it?"
    letter = scene.letter.lower()
    # The condition the letter says most about.
    mentions = {c: sum(letter.count(w) for w in c.lower().split() if len(w) > 3) for c in scene.conditions}
    named = max(mentions, key=lambda c: mentions[c]) if mentions and max(mentions.values()) else None
    about = f" about your {named}" if named else ""
    return f"You've had your results letter, {scene.name}. What did you make of what it says{about}?"


def _what_matters(scene: Scene, moment: CodedTurn | None, conversation: Conversation) -> str:
    named = [n for n in scene.heard_names() if n not in {"Leeds", "Perth", "Australia"}]
    if named:
        return f"You mentioned {named[0]}. What matters most to you in your life at the moment, {scene.name}?"
    return f"Leaving your {_shortest(scene)} aside for a moment, {scene.name}, what matters most to you in your " \
           f"life right now?"


def _open(scene: Scene, moment: CodedTurn | None, conversation: Conversation) -> str | None:
    if moment is None:
        return f"How have things been with your {_shortest(scene)} lately, {scene.name}?"
    asked = moment.words({Code.CLOSED_QUESTION})
    if Code.REVIEW_ARRANGED in moment.codes:
        return REVIEW
    if re.search(r"\b(understand|make sense|is that clear|any questions)\b", asked, re.I):
        return _teach_back(scene)
    return opened(asked)


# Replies that carry nothing of the person's to say back ("Ask me another.", "Right.", "Go on, then.").
STOCK = frozenset({Intent.UNSURE, Intent.ACKNOWLEDGE, Intent.AGREE, Intent.PERMIT, Intent.CLOSING})


def _sayable(scene: Scene, heard: str | None) -> str | None:
    """`heard`, unless it was a stock reply, which a reflection would only parrot."""
    said = next((s for s in scene.said if s.text == heard), None)
    return None if heard is None or (said is not None and said.intent in STOCK) else heard


def _reflect(scene: Scene, moment: CodedTurn | None, conversation: Conversation) -> str | None:
    heard = _sayable(scene, moment.heard if moment is not None and moment.heard else None)
    if heard is None:  # nothing of theirs just before: the last thing they did say of their own
        before = [s for s in _before(scene, moment) if s.intent not in STOCK]
        heard = before[-1].text if before else None
    return _reflection(heard, scene.names) if heard else None


def _cue(scene: Scene, moment: CodedTurn | None, conversation: Conversation) -> str | None:
    hint = next((s for s in scene.said if s.intent is Intent.HINT), None)
    if hint is not None:
        return _reflection(hint.text, scene.names, "hint")
    felt = next((s for s in scene.said if s.intent is not Intent.CLOSING and FEELING.search(s.text)), None)
    return _reflection(felt.text, scene.names, "told") if felt else None


def _affirm(scene: Scene, moment: CodedTurn | None, conversation: Conversation) -> str:
    for said in scene.said:
        if said.intent is Intent.CLOSING:
            continue
        effort = next((s for s in sentences(said.text) if EFFORT.search(s) and not USED_TO.search(s)), None)
        if effort:
            return f"{capitalised(said_back(effort, scene.names))}. That takes real commitment."
    if scene.prepared:
        return f"You read your letter and came with your own questions, {scene.name}. That makes today much more " \
               f"useful."
    return f"You came in today, {scene.name}, with a lot going on. That took something."


def _summary(scene: Scene, moment: CodedTurn | None, conversation: Conversation) -> str:
    items = [note_said_to(f.summary, scene.names) for f in scene.released() if f.id != "preparation"][:3]
    if not items:
        items = [f"you've come about your {listed(scene.conditions)}"]
    joined = items[0] if len(items) == 1 else "; ".join(items[:-1]) + "; and " + items[-1]
    return f"Let me check I've got this right, {scene.name}: {joined}. Have I missed anything?"


def _prioritise(scene: Scene, moment: CodedTurn | None, conversation: Conversation) -> str:
    items = [f"your {c}" for c in scene.conditions[:3]]
    said = scene.priority_words()
    if said:
        items.append(f"what you told me about {said}")
    return f"We've talked about {listed(items)}. Which of those would you like to start with, {scene.name}?"


def _permission(scene: Scene, moment: CodedTurn | None, conversation: Conversation) -> str:
    told = next((t for t in conversation.turns if t.codes & {Code.PERSUADE, Code.GIVING_INFORMATION}), moment)
    action = advised_action(told.words({Code.PERSUADE, Code.GIVING_INFORMATION})) if told is not None else None
    about = f"with {action}" if action else f"living with {_shortest(scene)}"
    return f"Would it be OK if I shared what has helped other people {about}? … What do you make of that?"


def _evoke(scene: Scene, moment: CodedTurn | None, conversation: Conversation) -> str:
    told = moment or next((t for t in conversation.turns if t.codes & {Code.PERSUADE, Code.CONFRONT}), None)
    if told is not None and Code.REVIEW_ARRANGED in told.codes:
        return REVIEW
    action = advised_action(told.words({Code.PERSUADE, Code.CONFRONT})) if told is not None else None
    if action:
        return f"What are your own thoughts about {action}, {scene.name}?"
    heard = _sayable(scene, told.heard if told is not None else None)
    back = _reflection(heard, scene.names) if heard else None
    return f"{back + ' ' if back else ''}What ideas do you have about what might help, {scene.name}?"


def _goal(scene: Scene, moment: CodedTurn | None, conversation: Conversation) -> str:
    said = scene.priority_words()
    lead = f"You told me about {said}. " if said else ""
    return f"{lead}If things were going better in six months, {scene.name}, what would you be doing that you " \
           f"can't do now?"


def _explore(scene: Scene, moment: CodedTurn | None, conversation: Conversation) -> str:
    for said in scene.said:
        past = next((s for s in sentences(said.text) if USED_TO.search(s)), None)
        if past:
            return f"{capitalised(said_back(past, scene.names))}. What helped then, and what got in the way?"
    return f"What have you tried already for your {_shortest(scene)}, {scene.name}, and what got in the way?"


STEP_QUESTIONS = {"what": "what exactly will you do", "where": "where", "when": "which days and at what time",
                  "how_much": "for how long", "start": "when will you start"}


def _step(scene: Scene, moment: CodedTurn | None, conversation: Conversation) -> str:
    named = set().union(*(step_elements(f"{t.text} {t.reply}") for t in conversation.turns
                          if Code.ACTION_STEP in t.credited))
    missing = [key for key in STEP_ELEMENTS if key not in named]
    if not named or "what" in missing:
        said = scene.priority_words()
        towards = f", towards what you told me about {said}" if said else ""
        return f"What's one small thing you could do this week{towards}? Where will you do it, which days, for " \
               f"how long, and when will you start?"
    return capitalised(listed([STEP_QUESTIONS[key] for key in missing])) + "?" if missing else \
        "So, just to be sure: what, where, when, how much, and from when?"


def _confidence(scene: Scene, moment: CodedTurn | None, conversation: Conversation) -> str:
    rated = next((s for s in scene.said if s.intent is Intent.RATE_CONFIDENCE), None)
    number = re.search(r"\b(10|[0-9])\b", rated.text) if rated is not None else None
    if number is None:
        return f"On a scale of 0 to 10, {scene.name}, how confident are you that you can do that?"
    n = int(number.group(1))
    if n < 7:
        return f"You said {n}. What would help bring that up to a {min(10, n + 2)}?"
    return f"You said {n}; that's high. What makes it a {n} and not a {max(0, n - 4)}?"


def _support(scene: Scene, moment: CodedTurn | None, conversation: Conversation) -> str:
    people = [n for n in scene.heard_names() if n not in {"Leeds", "Perth", "Australia", "Legion", "British"}]
    first = f"Who's around you who could help with this, {scene.name}? " + (
        f"You mentioned {people[0]}." if people else "")
    places = [m.group(1).lower() for s in scene.said for m in [COMMUNITY.search(s.text)] if m]
    second = f" You mentioned the {places[0]}: would you like to hear what's on there?" if places else \
        " There are also local groups some people find useful, if you're interested."
    return (first.strip() + second).strip()


def _autonomy(scene: Scene, moment: CodedTurn | None, conversation: Conversation) -> str:
    told = next((t for t in conversation.turns if t.codes & {Code.PERSUADE, Code.CONFRONT}), None)
    action = advised_action(told.words({Code.PERSUADE, Code.CONFRONT})) if told is not None else None
    if action:
        return f"It's your decision, {scene.name}, whether {action} is right for you at the moment."
    return f"It's entirely up to you, {scene.name}, what we focus on."


def _teach_back(scene: Scene) -> str:
    people = [n for n in scene.heard_names() if n not in {"Leeds", "Perth", "Australia", "Legion", "British"}]
    who = people[0] if people else "anyone at home"
    return f"Just so I know I've explained it well, {scene.name}, what will you tell {who} about the plan?"


def _close(scene: Scene, moment: CodedTurn | None, conversation: Conversation) -> str:
    codes = {code for t in conversation.turns for code in t.credited}
    if Code.TEACH_BACK not in codes:
        return _teach_back(scene) + ("" if Code.REVIEW_ARRANGED in codes else " " + REVIEW)
    return REVIEW


# Each behaviour's move, from the codes that evidence it, and its writer.
WRITERS: dict[str, Writer] = {
    "orients": _orient, "agenda_setting": _agenda, "explores_results": _results,
    "asks_what_matters": _what_matters, "open": _open, "reflect": _reflect, "cue": _cue, "affirm": _affirm,
    "summary": _summary, "seeking_collaboration": _prioritise, "persuade_with_permission": _permission,
    "evoke": _evoke, "elicits_goal": _goal, "explore": _explore, "step": _step, "confidence_ruler": _confidence,
    "signposting": _support, "emphasising_autonomy": _autonomy, "teach_back": _close, "review_arranged": _close,
}


def move_of(behaviour: Behaviour) -> str | None:
    """The move a behaviour asks for, from how it is evidenced: the key of its writer."""
    spec = behaviour.evidence
    codes = set(spec.codes)
    if spec.kind == "relational":
        return None
    if spec.kind == "absent" and codes & {Code.PERSUADE, Code.CONFRONT}:
        return "evoke"
    if spec.kind == "step":
        return "step"
    if spec.kind == "share" and Code.OPEN_QUESTION in codes:
        return "open"
    if spec.kind == "ratio" and codes <= REFLECTIONS:
        return "reflect"
    if codes == {Code.COMPLEX_REFLECTION}:
        return "cue"
    if spec.kind == "count" and codes == {Code.OPEN_QUESTION}:
        return "explore"
    return next((c.value for c in spec.codes if c.value in WRITERS), None)


def write_instead(behaviour: Behaviour, scene: Scene | None, moment: CodedTurn | None,
                  conversation: Conversation) -> str | None:
    """An example of what to say instead for `behaviour`, written for this patient and this moment; the
    rubric's own example where there is no scene (the scenario is not known) or no writer for the move."""
    move = move_of(behaviour)
    if scene is None or move is None:
        return behaviour.instead
    return WRITERS[move](scene, moment, conversation) or behaviour.instead


def reflect_instead(scene: Scene | None, heard: str, hinted: bool) -> str | None:
    """A reflection of what the patient had just hinted at or told, for a moment that moved on from it."""
    return _reflection(heard, scene.names, "hint" if hinted else "told") if scene is not None else None


def open_instead(scene: Scene | None, moment: CodedTurn, conversation: Conversation) -> str | None:
    """A closed question at `moment` asked open, for a run of closed questions."""
    return _open(scene, moment, conversation) if scene is not None else opened(moment.words({Code.CLOSED_QUESTION}))


def evoke_instead(scene: Scene | None, moment: CodedTurn, conversation: Conversation) -> str | None:
    """A question about what the advice at `moment` was about, asking for the person's own view."""
    if scene is not None:
        return _evoke(scene, moment, conversation)
    action = advised_action(moment.words({Code.PERSUADE, Code.CONFRONT}))
    return f"What are your own thoughts about {action}?" if action else None
