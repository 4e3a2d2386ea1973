"""The practice use cases that the app and the command line call: equip a run with its coder and the
patient's voice, start, resume or continue a visit, and build its feedback.

The faces never wire the core themselves: which coder codes a visit (and what happens if it cannot
load), what words the patient's replies, and how feedback is put together are decided here, once.
"""

from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path

from simulator import locations
from simulator.coding.choice import Chosen, CoderName, choose, choose_version
from simulator.coding.coder import RuleCoder
from simulator.content.rubric_loader import RubricFile
from simulator.content.scenario_loader import ScenarioFile
from simulator.patient.backends.choice import open_realiser
from simulator.patient.realiser import Realiser
from simulator.practice.loading import in_background, ready
from simulator.practice.session import Clock, Session, utc_now
from simulator.scoring.report import FeedbackReport, build_report
from simulator.settings import PatientSettings
from simulator.storage.events import TraineeTurn
from simulator.storage.transcript import read_transcript


@dataclass
class Kit:
    """What one run of the app or one command plays visits with: the coder and the patient's voice.

    Each loads once, on a background thread, the first time it is asked for, and is shared by every
    visit of the run. A visit's first turn waits for the coder, so every turn of a transcript is coded
    by the same coder; the voice is used from the turn after it has loaded (authored lines until then).
    """

    coder_name: CoderName = "best"
    patient: PatientSettings = field(default_factory=PatientSettings)
    seed: int | None = None
    directory: Path = field(default_factory=locations.session_dir)
    clock: Clock = utc_now
    trainee: str | None = None
    _coder: "Future[Chosen] | None" = field(default=None, init=False, repr=False)
    _voice: "Future[Realiser | None] | None" = field(default=None, init=False, repr=False)

    def coder(self) -> "Future[Chosen]":
        """The configured coder, loading in the background from the first call."""
        if self._coder is None:
            name = self.coder_name
            self._coder = ready(choose(name)) if name == "rules" else in_background(lambda: choose(name))
        return self._coder

    def voice(self, scenario_file: ScenarioFile | None = None) -> "Future[Realiser | None]":
        """The patient's voice (None: authored lines), loading in the background from the first call; the
        model reads the first scenario's fixed prompt start while it loads."""
        if self._voice is None:
            settings = self.patient
            scenario = scenario_file.scenario if scenario_file is not None else None
            self._voice = (ready(None) if settings.backend == "scripted"
                           else in_background(lambda: open_realiser(settings, scenario)))
        return self._voice

    def close(self) -> None:
        """At the end of the run: a reply the voice is wording stops and falls back to its authored line
        at once, so quitting never waits for a model or a server. A voice still loading is left to its
        daemon thread."""
        voice = self._voice
        if voice is not None and voice.done() and voice.exception() is None:
            realiser = voice.result()
            if realiser is not None:
                realiser.close()

    def start(self, scenario_file: ScenarioFile, visit: str | None = None) -> Session:
        """Begin a new visit (its transcript written at once); the coder and voice start loading."""
        return Session.start(scenario_file, seed=self.seed, directory=self.directory, clock=self.clock, visit=visit,
                             trainee=self.trainee, coder=self.coder(), voice=self.voice(scenario_file))

    def resume(self, path: Path) -> Session:
        """Continue an unfinished visit, coded by the coder that coded its turns so far."""
        read = read_transcript(path)
        coders = [e.coder for e in read.events if isinstance(e, TraineeTurn) and e.coder]
        coder = _for_version(coders[-1]) if coders else self.coder()
        return Session.resume(path, clock=self.clock, coder=coder, voice=self.voice(), read=read)

    def review(self, session: Session) -> Session:
        """Start the patient's review visit from the plan recorded at the end of `session`."""
        return session.next_visit(seed=self.seed, directory=self.directory)


def _for_version(version: str) -> "Future[Chosen]":
    """The coder that recorded `version`, loading in the background unless it is the rules."""
    if version == RuleCoder.version:
        return ready(Chosen(RuleCoder()))
    return in_background(lambda: choose_version(version))


def feedback(session: Session, rubric: RubricFile) -> FeedbackReport:
    """The feedback on a visit that has ended, from the codes the patient reacted to."""
    return build_report(session.transcript, rubric, session.scenario)
