"""What a language model is told when it phrases one patient turn, and nothing more.

The model is a phrasing engine, not the patient's mind: the scripted engine has already chosen the
intent and the authored line that carries it, and the model rewrites that line to fit the
conversation. Its prompt holds the persona's public profile, the facts released so far, the recent
conversation, the intent and that line. Hidden facts not yet released are never in it.
"""

from dataclasses import dataclass

from simulator.content.scenario import Scenario
from simulator.patient.backends import Message
from simulator.patient.engine import Intent

# Exchanges of the conversation shown to the model. Small models lose the thread in long prompts.
RECENT = 1

INTENT_GUIDANCE: dict[Intent, str] = {
    Intent.OPENING: "greets the nurse",
    Intent.ANSWER_BRIEF: "answers the question briefly",
    Intent.OPEN_UP: "talks a little more freely",
    Intent.HINT: "drops a hint about something on their mind, without explaining it",
    Intent.DISCLOSE: "opens up about something that matters to them",
    Intent.DEFLECT: "turns the question aside; they are not ready to talk about it",
    Intent.RESIST: "pushes back on the advice, politely but firmly; they do not agree to it",
    Intent.AGREE: "goes along with what the nurse said",
    Intent.ACKNOWLEDGE: "takes in what the nurse said",
    Intent.UNSURE: "is not sure what to say",
    Intent.RATE_CONFIDENCE: "says how confident they feel, as a number out of ten, keeping that number",
    Intent.PERMIT: "says yes, the nurse may go on and tell them",
    Intent.GOAL: "says what they would like to be different, in their own words",
    Intent.OPTION: "says how they feel about what the nurse suggested",
    Intent.STEP: "says the first step they would take, keeping every detail",
    Intent.BARRIER: "says what might get in the way",
    Intent.EXPLAIN_CONFIDENCE: "explains the confidence number they gave",
    Intent.TEACH_BACK: "says the plan back in their own words, keeping every detail",
    Intent.REVIEW: "says how they feel about meeting again to see how it went",
    Intent.CLOSING: "says goodbye",
}


@dataclass(frozen=True)
class Exchange:
    """One line of the conversation as the model sees it."""

    speaker: str  # "Nurse" or the patient's first name
    text: str


def first_name(scenario: Scenario) -> str:
    """How the prompt names the patient."""
    return scenario.persona.name.split()[0]


def system_message(scenario: Scenario) -> str:
    """The persona's public profile and the rules of the task. Fixed for a whole consultation, so
    its tokens stay in the model's cache from turn to turn."""
    persona, name = scenario.persona, first_name(scenario)
    who = f"{persona.name}, {persona.age}"
    if persona.occupation:
        who += f", {persona.occupation.lower()}"
    return (
        f"You reword a patient's lines in a role-play of an appointment with a practice nurse. The patient is "
        f"{who}, with {', '.join(persona.conditions)}. {persona.life_context.strip()}\n"
        f"Each time you are given what {name} means to say next. Say it as {name}: first person, plain "
        "everyday words, one or two short sentences, the same meaning, keeping most of its words, nothing "
        "added. Write only the words."
    )


# Worked examples, the same for every scenario: small models follow a pattern better than rules.
EXAMPLES: list[tuple[str, str]] = [
    ("Nurse: How have you been sleeping?\nThe patient answers the question briefly.\n"
     "Meaning: Not well. I wake up a lot in the night.",
     "Not great, to be honest. I keep waking up in the night."),
    ("Nurse: You should cut down on sugar.\nThe patient pushes back on the advice.\n"
     "Meaning: I know, but it's hard when you're busy.",
     "I know I should. It's just hard when I'm rushing about all day."),
    ("Nurse: What would make the biggest difference for you?\nThe patient opens up about something that "
     "matters to them.\nMeaning: I used to walk the dog by the river every morning. I miss that more than "
     "anything.",
     "Walking the dog by the river, every morning. That's what I miss most."),
]


def turn_message(scenario: Scenario, *, released: list[str], recent: list[Exchange], intent: Intent,
                 line: str) -> str:
    """This turn's request: what has been shared, the recent conversation, the intent and the line."""
    asked = f"The patient {INTENT_GUIDANCE[intent]}.\nMeaning: {line}"
    return "\n".join([*_context(scenario, released, recent[-2 * RECENT:]), asked])


def next_turn_start(scenario: Scenario, *, released: list[str], recent: list[Exchange]) -> str:
    """The start of the next turn's request, once the patient has replied and before the nurse speaks: the
    same text `turn_message` will begin with, up to the nurse's next words (unless that turn releases a fact)."""
    kept = recent[-(2 * RECENT - 1):]  # the nurse's next line will join these in the window
    return "\n".join([*_context(scenario, released, kept), "Nurse:"])


def _context(scenario: Scenario, released: list[str], shown: list[Exchange]) -> list[str]:
    """The lines of a request before its intent: what has been shared, then the conversation shown."""
    name = first_name(scenario)
    facts = {fact.id: fact for fact in [*scenario.free_facts, *scenario.hidden_facts]}
    shared = [facts[i].summary for i in released if i in facts]
    parts = [f"{name} has told the nurse: " + "; ".join(shared) + "."] if shared else []
    return parts + [f"{e.speaker}: {e.text}" for e in shown]


def preamble(scenario: Scenario) -> list[Message]:
    """The start of every prompt in a consultation: instructions with the profile, then the examples."""
    messages = [{"role": "system", "content": system_message(scenario)}]
    for asked, answered in EXAMPLES:
        messages += [{"role": "user", "content": asked}, {"role": "assistant", "content": answered}]
    return messages


def build_messages(scenario: Scenario, *, released: list[str], recent: list[Exchange], intent: Intent,
                   line: str) -> list[Message]:
    """The whole prompt for one patient turn: the preamble, then this turn."""
    return [*preamble(scenario), {"role": "user", "content": turn_message(
        scenario, released=released, recent=recent, intent=intent, line=line)}]
