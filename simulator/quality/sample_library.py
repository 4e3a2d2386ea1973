"""A sample library of practice transcripts, to try the review app or measure the library at scale.

Each (scenario, style) conversation is played once for real with the scripted patient; every transcript
is then one of those conversations given to a trainee at a date, re-sealed with its own content hash.
Trainees move from lecturing towards the person-centred style over their sessions, so that their
progress charts show something.
"""

import random
import re
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from simulator import locations
from simulator.authoring.playtest import STYLES, builtin_style
from simulator.content.scenario_loader import discover
from simulator.practice.session import Session
from simulator.storage.events import Event, SessionStarted
from simulator.storage.transcript import write_transcript

START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
# Oldest style first: a trainee's later sessions lean towards the last.
JOURNEY = tuple(reversed(STYLES))


def build_sample_library(out: Path, count: int, trainees: int = 20, seed: int = 0) -> list[Path]:
    """Write `count` transcripts for `trainees` trainees under `out` (one subfolder each); return them."""
    rng = random.Random(seed)
    scenarios = sorted(discover([locations.builtin_scenario_dir()])[0], key=lambda s: s.scenario.id)
    played: dict[tuple[str, str], list[Event]] = {}
    written: list[Path] = []
    sessions_each = max(1, -(-count // trainees))
    with tempfile.TemporaryDirectory() as scratch:
        for index in range(count):
            trainee, nth = f"Trainee {index % trainees + 1:02d}", index // trainees
            progress = nth / max(1, sessions_each - 1)
            style = JOURNEY[min(len(JOURNEY) - 1, int(rng.random() * 0.6 + progress * 2.4))]
            scenario_file = rng.choice(scenarios)
            key = (scenario_file.scenario.id, style)
            if key not in played:
                session = Session.start(scenario_file, seed=seed, directory=Path(scratch), clock=lambda: START)
                for line in builtin_style(style):
                    session.say(line)
                session.end()
                played[key] = session.events
            at = START + timedelta(days=nth, minutes=index % trainees * 7)
            slug = re.sub(r"[^a-z0-9]+", "-", trainee.lower())
            session_id = f"{at:%Y%m%d-%H%M%S}-{key[0]}-{slug}"
            path = out / slug / f"{session_id}.jsonl"
            write_transcript(path, _retold(played[key], session_id, trainee, at))
            written.append(path)
    return written


def _retold(events: list[Event], session_id: str, trainee: str, at: datetime) -> list[Event]:
    """The same conversation as another trainee's session at another time."""
    shift = at - events[0].at
    first = events[0]
    assert isinstance(first, SessionStarted)
    return [first.model_copy(update={"session_id": session_id, "trainee": trainee, "at": at})] + [
        event.model_copy(update={"at": event.at + shift}) for event in events[1:]]
