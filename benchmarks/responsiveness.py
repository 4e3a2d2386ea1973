"""Does the patient answer the question asked? A fixed battery of natural questions per scenario.

Each scenario's patient is brought to the same point by a short warm-up (an orientation, two open
questions, two reflections and a question about what matters), then each question of the battery is put
to a copy of that patient (so one answer never changes another) and judged by what the reply does:
- planning questions (goal, step, options, confidence follow-ups, teach-back, review) must get the planning
  move they ask for, not a fact or a don't-know;
- a closed question on one of the patient's facts must get that fact's answer;
- an off-topic question must get neither a fact nor a yes or a no.
Coded by the learned coder (its encoder tells the patient what a question is about), as in the app.

    .venv/bin/python benchmarks/responsiveness.py [--rules] [--show]   (--show: each miss)
"""

import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from machine import describe  # noqa: E402

from simulator.coding.choice import choose  # noqa: E402
from simulator.coding.coder import code_turns  # noqa: E402
from simulator.coding.meaning import meaning_of  # noqa: E402
from simulator.content.scenario_loader import discover  # noqa: E402
from simulator.patient.engine import Intent, PatientEngine  # noqa: E402

WARM_UP = [
    "Hello, come and sit down. We've got about twenty minutes, and I'd like it to be about what matters to you.",
    "How have things been for you lately?",
    "That sounds like a lot to carry.",
    "What would you like us to get out of today?",
    "It sounds like it's been wearing you down.",
    "What's most important to you in your life at the moment?",
]
# (question, what answers it): an Intent the reply must carry.
PLANNING = [
    ("If things were going better in six months, what would be different for you?", {Intent.GOAL, Intent.DISCLOSE}),
    ("What's one small thing you could try before we next meet?", {Intent.STEP}),
    ("What might get in the way of that?", {Intent.BARRIER}),
    ("What makes it that number and not a lower one?", {Intent.EXPLAIN_CONFIDENCE}),
    ("What would help it go up a notch?", {Intent.EXPLAIN_CONFIDENCE}),
    ("So I know I've explained myself, can you tell me in your own words what you're going to do?",
     {Intent.TEACH_BACK}),
    ("Shall we book in to see how it's gone in a few weeks?", {Intent.REVIEW}),
    ("Would it be alright if I told you about something that's helped other people?", {Intent.PERMIT}),
]
OFF_TOPIC = ["What did you think of the match at the weekend?", "Have you ever been to Spain?",
             "What's your favourite film?"]
# Closed questions on each scenario's facts, in a nurse's words: (question, the fact whose answer it wants).
CLOSED = {
    "p1-taxi-driver": [("Do you smoke?", "no-smoking"), ("Are you still driving nights?", "night-shifts"),
                       ("Have you had your feet checked recently?", "foot-check")],
    "p2-widow-copd": [("Are you still smoking at all?", "gave-up-smoking"), ("Do you live on your own?", "ron"),
                      ("Have you had your flu jab yet?", "vaccines")],
    "p3-heart-failure-daughter": [("Do you weigh yourself?", "no-scales"), ("Do you smoke?", "gave-up-smoking"),
                                  ("Do you live on your own?", "lives-alone")],
    "p4-single-parent-asthma": [("Do you smoke?", "no-smoking"), ("Do you ever forget the brown inhaler?",
                                                                    "forgets-preventer"),
                                ("Have you had to go to out-of-hours?", "out-of-hours")],
    "p5-engineer-type1": [("Do you drink much?", "drinking"), ("Do you smoke?", "smoking"),
                          ("Are you still running?", "running")],
    "p6-knee-pain": [("Do you smoke?", "smoking"), ("Are you taking anything for the pain?", "painkillers"),
                     ("Do you still go swimming?", "stopped-swimming")],
    "p7-after-heart-attack": [("Are you still smoking?", "smoking-drinking"), ("Are you taking all your tablets?",
                                                                               "tablets"),
                              ("Did you go to the cardiac rehab classes?", "rehab")],
    "p8-retired-engineer-list": [("Do you smoke?", "smoking"), ("Do you walk the dog much?", "dog-walks"),
                                 ("Are you taking your tablets?", "medicines")],
}
ANSWERED = {Intent.ANSWER_BRIEF, Intent.OPEN_UP, Intent.DISCLOSE, Intent.HINT}
# A reply that is a yes or a no ("No idea." is neither).
YES_NO = re.compile(r"^(yes|no|yeah|nope|yep|aye)\b(?! idea)", re.IGNORECASE)


def main() -> None:
    print(describe())
    rules = "--rules" in sys.argv
    coder = choose("rules" if rules else "best").coder
    print(f"coder: {coder.version}\n")
    found, _ = discover()
    totals = [0, 0]
    print(f"{'scenario':28} {'planning':>9} {'closed':>7} {'off-topic':>9} {'all':>6}")
    for item in found:
        scenario = item.scenario
        engine = PatientEngine(scenario, 0, meaning=lambda: meaning_of(coder))
        replies: list[str] = []
        for line in WARM_UP:
            replies.append(engine.respond(line, code_turns(coder, [line], [replies[-1] if replies else ""],
                                                           [False])[0]).text)
        confidence = "How sure do you feel about it, from nought to ten?"
        engine.respond(confidence, code_turns(coder, [confidence], [""], [False])[0])
        facts = {f.id: f for f in [*scenario.free_facts, *scenario.hidden_facts]}

        def ask(question: str, engine: PatientEngine = engine) -> tuple[Intent, tuple[str, ...], str]:
            reply, _ = engine.step(question, code_turns(coder, [question], [""], [False])[0])
            return reply.intent, reply.released, reply.text

        planned = [ask(q)[0] in wanted for q, wanted in PLANNING]
        closed = []
        for question, fact_id in CLOSED.get(scenario.id, []):
            fact = facts[fact_id]
            intent, released, text = ask(question)
            answer = (fact.brief or fact.text).strip()
            closed.append(intent in ANSWERED and (fact.id in released or answer[:20] in text
                                                  or (getattr(fact, "cue", None) or "")[:20] in text))
        off = []
        for question in OFF_TOPIC:
            intent, released, text = ask(question)
            off.append(not released and intent not in ANSWERED and not YES_NO.match(text))
            if not off[-1] and "--show" in sys.argv:
                print(f"  {scenario.id}: {question!r} -> {intent.value}: {text}")
        marks = planned + closed + off
        totals[0] += sum(marks)
        totals[1] += len(marks)
        print(f"{scenario.id:28} {sum(planned):>4} of {len(planned)} {sum(closed):>2} of {len(closed)} "
              f"{sum(off):>4} of {len(off)} {sum(marks) / len(marks):>6.0%}")
    print(f"\nanswered on the question asked: {totals[0]} of {totals[1]} ({totals[0] / totals[1]:.0%})")


if __name__ == "__main__":
    main()
