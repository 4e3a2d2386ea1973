"""How the patient's chosen reply is said: the authored line, or a model's rewording of it, checked.

The engine decides the intent and the authored line; a backend may reword it to fit the moment.
A reworded reply is shown only if it passes every check in `reply_checks`; the first failure is
retried once with another seed, and a second failure falls back to the authored line. Each result
says which of the three happened, so the transcript can too. Given the coder's sense of meaning, the
checks also compare each rewording with the authored line by meaning.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from simulator.coding.meaning import Meaning
from simulator.content.scenario import Scenario
from simulator.errors import BackendUnavailable
from simulator.patient.backends import Backend, Closable, Message
from simulator.patient.engine import Intent, PatientReply
from simulator.patient.prompt import Exchange, build_messages, first_name, next_turn_start, preamble
from simulator.patient.reply_checks import ReplyContext, partial_problems, reply_problems, words

How = Literal["authored", "generated", "retried"]
# Called with the text to show so far; an empty string means "take back what was shown".
OnShow = Callable[[str], None]
# Room for two short sentences; a reply is cut at its first line break anyway.
MAX_NEW_TOKENS = 60
ATTEMPTS = 2
# A reply is complete at the end of a sentence once it has this share of the authored line's words and as
# many sentences (stopping at the first of two would drop the second's meaning), or this larger share
# whatever its sentences (a model that merges two sentences otherwise adds a third of its own).
FULL_LENGTH = 0.7
LONG_ENOUGH = 0.8
_SENTENCE_END = re.compile(r"[.!?…]+(?=\s|$)")


@dataclass(frozen=True)
class Realised:
    """The words the patient says, and how they came to be."""

    text: str
    how: How
    seed: int | None = None
    rejected: tuple[str, ...] = field(default_factory=tuple)  # why each failed attempt was refused


def shown_part(text: str) -> str:
    """The part of a streaming reply that is safe to show: whole words only, so a word that would
    fail a check is never half shown."""
    if not text or text[-1].isspace():
        return text.rstrip()
    cut = max(text.rfind(" "), text.rfind("\n"))
    return text[:cut].rstrip() if cut > 0 else ""


class Realiser:
    """Rewords authored replies through one backend, under the checks."""

    def __init__(self, backend: Backend) -> None:
        self.backend = backend
        self._prepared: list[Message] | None = None

    def prepare(self, scenario: Scenario) -> None:
        """Have the backend read the part of the prompt that is the same all consultation, ahead of
        the first turn (while the trainee reads the results letter)."""
        self._prepared = preamble(scenario)
        self.backend.warm(self._prepared)

    def read_ahead(self, scenario: Scenario, *, released: list[str], recent: list[Exchange]) -> None:
        """Have the backend read the start of the next turn's prompt (what has been shared and the patient's
        last words) while the trainee types, so that their Enter waits only for their own words and the
        line to say. Nothing is read before this scenario's fixed start has been."""
        if self._prepared is None or self._prepared != preamble(scenario):
            return
        start = next_turn_start(scenario, released=released, recent=recent)
        self.backend.warm([*self._prepared, {"role": "user", "content": start}])

    def close(self) -> None:
        """Stop a reply being worded, where the backend can (the reply then falls back to the authored
        line at once): quitting never waits for a model or a server."""
        if isinstance(self.backend, Closable):
            self.backend.close()

    def prepared_for(self, scenario: Scenario) -> bool:
        """Whether the backend has read this scenario's fixed start of the prompt."""
        return self._prepared == preamble(scenario)

    def realise(self, scenario: Scenario, reply: PatientReply, *, released: list[str], recent: list[Exchange],
                earlier: list[str], seed: int, on_show: OnShow | None = None,
                meaning: Meaning | None = None) -> Realised:
        """Say `reply`: reworded if an attempt passes the checks (by `meaning` too, where given: the
        learned coder's encoder), else the authored words."""
        if reply.intent is Intent.OPENING:
            return Realised(reply.text, "authored")
        # What was shared before this reply: the fact it tells is its meaning, not yet something told (and so
        # the request starts as the one read ahead while the trainee typed).
        before = [i for i in released if i not in reply.released]
        messages = build_messages(scenario, released=before, recent=recent, intent=reply.intent, line=reply.text)
        context = check_context(scenario, reply, released=released, recent=recent, earlier=earlier, meaning=meaning)
        label = re.compile(rf"^\s*({re.escape(first_name(scenario))}|{re.escape(scenario.persona.name)})\s*:\s*")
        rejected: list[str] = []
        for attempt in range(ATTEMPTS):
            attempt_seed = seed + attempt
            try:
                text, problems = self._attempt(messages, context, label, attempt_seed, on_show)
            except BackendUnavailable as error:
                # A server gone away mid-consultation: the patient goes on in authored lines.
                rejected.append(str(error))
                break
            except Exception as error:  # noqa: BLE001 - a failing model must never cost the trainee a reply
                rejected.append(f"the model failed: {type(error).__name__}: {error}")
                break
            if not problems:
                if on_show is not None:
                    on_show(text)
                return Realised(text, "generated" if attempt == 0 else "retried", attempt_seed, tuple(rejected))
            rejected.append("; ".join(problems))
            if on_show is not None:
                on_show("")
        if on_show is not None:
            on_show(reply.text)
        return Realised(reply.text, "authored", seed, tuple(rejected))

    def _attempt(self, messages: list[Message], context: ReplyContext, label: re.Pattern[str], seed: int,
                 on_show: OnShow | None) -> tuple[str, list[str]]:
        """One generation, checked as it streams (and stopped at the first problem), then checked whole."""
        problems: list[str] = []
        # Once a sentence ends and the reply is about as long as the authored line, it has said it:
        # small models otherwise talk on, past the line's meaning.
        enough = max(2, round(FULL_LENGTH * len(context.authored_words)))
        sentences = len(_SENTENCE_END.findall(context.authored.strip()))

        def take(text: str) -> bool:
            text = label.sub("", text)  # the prompt ends with the patient's name; a model may repeat it
            if "\n" in text.strip():
                return False  # one line is one reply; what follows is the model talking on
            problems.extend(partial_problems(text, context))
            if problems:
                return False
            if on_show is not None:
                on_show(shown_part(text))
            said = text.rstrip()
            length = len(words(said))
            whole = length >= LONG_ENOUGH * len(context.authored_words) or (
                length >= enough and len(_SENTENCE_END.findall(said)) >= sentences)
            return not (said.endswith((".", "!", "?", "…")) and whole)

        text = self.backend.generate(messages, seed=seed, max_new_tokens=MAX_NEW_TOKENS, on_text=take)
        text = label.sub("", text).strip().split("\n")[0].strip()
        return text, problems or reply_problems(text, context)


def check_context(scenario: Scenario, reply: PatientReply, *, released: list[str], recent: list[Exchange],
                  earlier: list[str], meaning: Meaning | None = None) -> ReplyContext:
    """What this turn's reply is checked against: the hidden facts still held back, and what may be echoed."""
    persona = scenario.persona
    held_back = [fact for fact in scenario.hidden_facts if fact.id not in released]
    facts = {fact.id: fact for fact in [*scenario.free_facts, *scenario.hidden_facts]}
    allowed = [persona.name, persona.occupation or "", *persona.conditions, persona.life_context,
               *(facts[i].text for i in released if i in facts), *(e.text for e in recent)]
    secret = {word.lower() for fact in held_back for topic in fact.topics for word in topic.split()}
    return ReplyContext(authored=reply.text, secret_words=frozenset(secret), allowed_text="\n".join(allowed),
                        earlier=tuple(earlier), meaning=meaning)
