"""Drafting a new scenario from a persona archetype and a few answers, for a trainer to edit.

The shipped scenario of the chosen archetype is the skeleton: its structure, facts, release conditions,
resistance, planning and visits stay (they are what makes the archetype play as it should). The new
person's name, age, work, conditions and circumstances replace the old ones, and the archetype person's
names are replaced by the new person's everywhere. The reply lines of some length are reworded for the new
person by the language model, under the same checks as in a consultation (the coder's sense of meaning
included, where it is loaded); a line whose rewording fails keeps the archetype's words.

The story (facts, letter, notes, planning, visits) is still the archetype person's. A model this small
cannot rewrite a story and keep it coherent, so the draft says so instead: each part of the file that is
still the archetype's carries a comment naming the words of the old story it holds, and `Draft.story`
lists them for the terminal. The draft always loads.
"""

import json
import re
import textwrap
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import yaml

from simulator.coding.meaning import Meaning
from simulator.content.scenario import Persona, ReplyLines, Scenario
from simulator.content.scenario_loader import ScenarioFile
from simulator.patient.engine import Intent, PatientReply
from simulator.patient.realiser import Realiser
from simulator.patient.reply_checks import COMMON, NUMBER_WORDS, stem, words

# Which intent each kind of authored line carries, so the model knows what the line is for (a kind of
# line with no intent of its own is kept as written).
LINE_INTENTS = {name: Intent(name) for name in ReplyLines.model_fields if name in {i.value for i in Intent}}
# A line this short ("Yeah.", "Go on then.") says nothing particular to a person; rewording it only risks
# changing it, and costs a model call.
MIN_WORDS = 4
# Parts of the file written for the new person, and parts kept because they make the archetype play as it
# does; every other part is the archetype person's story.
WRITTEN_FOR_THE_PERSON = ("id", "title", "persona", "lines")
KEPT_BY_DESIGN = ("archetype", "difficulty", "resistance")
# The persona's fields that tell the person's story: still the archetype's where the trainer gave no answer.
# (Its opening line always is.)
PERSONA_STORY = ("occupation", "conditions", "life_context")


@dataclass(frozen=True)
class Answers:
    """What the trainer says about the new person; anything left out keeps the archetype's value."""

    name: str | None = None
    age: int | None = None
    occupation: str | None = None
    conditions: list[str] | None = None
    life_context: str | None = None


@dataclass(frozen=True)
class Trace:
    """One part of the draft (a top-level field of the file): whether it is still the archetype's story as a
    whole, and the words of that story it holds (by word stem, with the spelling first seen)."""

    part: str
    story: bool
    words: Counter[str] = field(default_factory=Counter)
    kept: tuple[str, ...] = ()  # of a part written for the person, the fields still the archetype's

    def describe(self) -> str:
        """The words, most frequent first: 'cab (6), Tracey (4), metformin'."""
        return ", ".join(f"{word} ({n})" if n > 1 else word for word, n in self.words.most_common())


@dataclass(frozen=True)
class Draft:
    """A drafted scenario, the archetype it came from, how many lines the model reworded, and what is still
    the archetype's."""

    scenario: Scenario
    base: Scenario
    reworded: int
    kept: int
    traces: list[Trace]

    @property
    def archetype(self) -> str:
        """The archetype, as the file and the terminal name it (never by the old person's name, which the draft
        has replaced everywhere)."""
        return f"{self.scenario.archetype or 'the archetype'} ({self.base.id})"

    @property
    def story(self) -> list[str]:
        """The parts that are still the archetype's story as a whole."""
        return [trace.part for trace in self.traces if trace.story]

    @property
    def touched(self) -> list[str]:
        """The parts written for the new person that still hold some of the archetype's story."""
        touched = []
        for trace in self.traces:
            if not trace.story:
                touched += [f"{trace.part}.{name}" for name in trace.kept] or ([trace.part] if trace.words else [])
        return touched

    @property
    def held(self) -> Counter[str]:
        """Every word of the archetype's story the draft still holds, with how often."""
        spelling: dict[str, str] = {}
        held: Counter[str] = Counter()
        for trace in self.traces:
            for word, n in trace.words.items():
                held[spelling.setdefault(_key(word), word)] += n
        return held

    def yaml(self) -> str:
        """The draft as a scenario file a person can edit: a header saying where it came from and what is
        still the archetype's, a comment over each such part, and multi-line text (the letter) as blocks."""
        old, new = self.archetype, self.scenario.persona
        header = (
            f"Drafted by 'simulator scenario draft' from archetype {old} for {new.name}, {new.age}: "
            f"{', '.join(new.conditions)}. Written for {new.name}: id, title and persona; {self.reworded} reply "
            "lines reworded by the model (each kept only if it still says what its line says; the other lines "
            f"are the archetype's words). Still the archetype's: {', '.join(self.story)} (its story, with the "
            f"names changed) and {', '.join(self.touched)}. Each is marked STILL THE ARCHETYPE'S below, with the "
            f"words of its story it holds. Rewrite them for {new.name}, then: simulator validate <file>; "
            "simulator playtest <file>.")
        traces = {trace.part: trace for trace in self.traces}
        document = self.scenario.model_dump(mode="json", exclude_none=True)
        parts = [_comment(header), "\n"]
        for key, value in document.items():
            trace = traces.get(key)
            comment = ""
            if trace and trace.story:
                comment = f"STILL THE ARCHETYPE'S story, {old}: rewrite it for {new.name}. "
            if trace and trace.kept:
                comment += f"STILL THE ARCHETYPE'S here: {', '.join(trace.kept)}. "
            if trace and trace.words:
                comment += f"Words of the archetype's story here: {trace.describe()}."
            if comment:
                parts += ["\n", _comment(comment)]
            parts.append(yaml.dump({key: value}, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100))
        return "".join(parts)


def _comment(text: str) -> str:
    return "".join(f"# {line}\n" for line in textwrap.wrap(text, width=98))


class _Dumper(yaml.SafeDumper):
    """Multi-line text as a literal block (|), the way trainers write letters, never one escaped line."""


def _text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    if "\n" in value:
        # A block cannot hold a space before a line break: trailing spaces go (they show nowhere).
        value = "\n".join(line.rstrip() for line in value.split("\n"))
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|")
    return dumper.represent_scalar("tag:yaml.org,2002:str", value)


_Dumper.add_representer(str, _text)


def archetypes(scenarios: list[ScenarioFile]) -> dict[str, ScenarioFile]:
    """The scenario file that stands for each archetype (the first found for it)."""
    found: dict[str, ScenarioFile] = {}
    for item in scenarios:
        if item.scenario.archetype:
            found.setdefault(item.scenario.archetype.upper(), item)
    return found


def slug(text: str) -> str:
    """A scenario id made from free text."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or "drafted"


def to_reword(scenario: Scenario) -> int:
    """How many of the scenario's reply lines the model would reword."""
    return sum(len(words(line)) >= MIN_WORDS for name in LINE_INTENTS for line in getattr(scenario.lines, name))


def draft(base: Scenario, answers: Answers, realiser: Realiser | None, *, meaning: Meaning | None = None,
          library: Sequence[Scenario] = (), seed: int = 0,
          progress: Callable[[int, int], None] = lambda done, total: None) -> Draft:
    """A new scenario for the person in `answers`, built on `base`, its longer lines reworded by `realiser`
    and checked by `meaning` too (the learned coder's encoder); `library` (the scenarios known) tells which
    words are particular to the archetype person. Raises pydantic's ValidationError when an answer is not
    allowed (an age of 200, an empty name)."""
    old = base.persona
    given = {key: value for key, value in vars(answers).items() if value is not None}
    persona = Persona.model_validate({**old.model_dump(), **given})
    renamed = _renamer(old.name, persona.name)
    scenario = Scenario.model_validate_json(renamed(base.model_dump_json()))
    scenario = scenario.model_copy(update={
        "id": slug(f"{persona.name}-{base.archetype or 'draft'}"),
        "title": f"{persona.name}: {', '.join(persona.conditions)} review",
        # The new person, with the archetype's opening line (renamed): it is part of the old story.
        "persona": persona.model_copy(update={"opening_line": scenario.persona.opening_line}),
    })
    reworded, total = 0, to_reword(scenario)
    if realiser is not None and total:
        realiser.prepare(scenario)  # the fixed start of every prompt, read once
        lines: dict[str, list[str]] = {}
        done = 0
        for name, intent in LINE_INTENTS.items():
            new_lines: list[str] = []
            for line in getattr(scenario.lines, name):
                if len(words(line)) < MIN_WORDS:
                    new_lines.append(line)
                    continue
                # Two seeds a line: a try and its retry.
                said = realiser.realise(scenario, PatientReply(line, intent), released=[], recent=[],
                                        earlier=new_lines, seed=seed + 2 * done, meaning=meaning)
                new_lines.append(said.text)
                reworded += said.text != line  # a model that said the line back has not reworded it
                done += 1
                progress(done, total)
            lines[name] = new_lines
        scenario = scenario.model_copy(update={"lines": scenario.lines.model_copy(update=lines)})
    count = sum(len(getattr(scenario.lines, name)) for name in ReplyLines.model_fields)
    return Draft(scenario, base, reworded, count - reworded, traces(scenario, base, library))


def traces(scenario: Scenario, base: Scenario, library: Sequence[Scenario] = ()) -> list[Trace]:
    """Each part of the drafted `scenario` but its id and title: whether it is the archetype's story as a whole,
    and which words of the archetype person's own profile (their work, conditions, circumstances, where the new
    person does not share them) it still holds. Words found in most scenarios of `library` ("family", "years")
    say nothing about this person and are left out."""
    old, new = base.persona, scenario.persona
    # The new person's own words: their name and whatever the trainer said about them (a profile field left
    # as the archetype's is still the old story, and its words still mark it).
    own = [new.name, *(_text_of(getattr(new, name)) for name in PERSONA_STORY
                       if getattr(old, name) != getattr(new, name))]
    theirs = {_key(w) for w in _spelled(_profile(old))} - {_key(w) for w in _spelled(" ".join(own))}
    counts = Counter(key for other in library for key in {_key(w) for w in _spelled(other.model_dump_json())})
    theirs = {key for key in theirs if counts[key] <= len(library) // 2 and key not in COMMON and len(key) >= 3
              and key not in NUMBER_WORDS}
    found = []
    for key, value in scenario.model_dump(mode="json", exclude_none=True).items():
        if key in ("id", "title"):
            continue
        # The persona's name, work and conditions are the new person's own; its opening line is the old story's.
        text = f"{value['opening_line']} {value['life_context']}" if key == "persona" else json.dumps(value)
        kept: tuple[str, ...] = ()
        if key == "persona":
            kept = (*(name for name in PERSONA_STORY if getattr(old, name) == getattr(new, name)), "opening_line")
        spelling: dict[str, str] = {}
        held: Counter[str] = Counter()
        for word in _spelled(text):
            if _key(word) in theirs:
                held[spelling.setdefault(_key(word), word)] += 1
        found.append(Trace(key, story=key not in WRITTEN_FOR_THE_PERSON + KEPT_BY_DESIGN, words=held, kept=kept))
    return found


def _text_of(value: object) -> str:
    return " ".join(value) if isinstance(value, list) else str(value or "")


def _profile(persona: Persona) -> str:
    return " ".join([persona.name, persona.occupation or "", *persona.conditions, persona.life_context])


def _key(word: str) -> str:
    return stem(word.lower())


def _spelled(text: str) -> list[str]:
    """Words as written (capitals kept, so that a name is shown as a name)."""
    return re.findall(r"[A-Za-z][A-Za-z']+", text.replace("’", "'"))


def _renamer(old: str, new: str) -> Callable[[str], str]:
    """Replace the archetype person's full, first and last names with the new person's, as whole words,
    inside a JSON document (so the replacements are JSON-escaped)."""
    old_parts, new_parts = old.split(), new.split()
    pairs = [(old, new), (old_parts[0], new_parts[0]), (old_parts[-1], new_parts[-1])] if old != new else []

    def rename(document: str) -> str:
        for before, after in pairs:
            escaped = json.dumps(after)[1:-1]
            # Doubled backslashes: re.sub reads the replacement as a template, and JSON escapes must stay literal.
            document = re.sub(rf"\b{re.escape(before)}\b", escaped.replace("\\", "\\\\"), document)
        return document
    return rename
