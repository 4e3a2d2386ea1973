"""A practice session: trainee turns in, coded, answered by the patient, and logged as they happen.

Save, then move: every event is on disk before the session's state changes, so a write that fails
leaves the session (and the patient) exactly where they were, and trying again gives what an
uninterrupted run would have.
"""

import secrets
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from simulator import __version__, locations
from simulator.coding.choice import Chosen
from simulator.coding.coder import RuleCoder, code_turns
from simulator.coding.meaning import Meaning, meaning_of
from simulator.coding.rules import asks_permission
from simulator.content.scenario import Scenario
from simulator.content.scenario_loader import ScenarioFile, load_scenario, resolve
from simulator.errors import ContentError, Problem, SessionClosed, SimulatorError
from simulator.patient.engine import Intent, PatientEngine, PatientReply
from simulator.patient.prompt import Exchange, first_name
from simulator.patient.realiser import OnShow, Realised, Realiser
from simulator.practice.loading import ready
from simulator.practice.plan_outcome import CarriedPlan, Outcome, carry, opening, own_step, report
from simulator.scoring.feedback import disclosures
from simulator.scoring.patient_view import patient_view
from simulator.scoring.plan_checks import check_plan
from simulator.scoring.scored_transcript import ScoredTranscript
from simulator.storage.care_plan import CarePlan
from simulator.storage.events import (
    Event,
    PatientRated,
    PatientTurn,
    PlanRecorded,
    PreparationNoted,
    ScoreRecorded,
    SessionEnded,
    SessionStarted,
    SystemEvent,
    TraineeTurn,
    latest,
    utterances_of,
)
from simulator.storage.transcript import TranscriptRead, TranscriptWriter, read_transcript, transcript_files
from simulator.text import clean_utterance

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """The current time in UTC (transcripts never store local times)."""
    return datetime.now(UTC)


class Session:
    """One consultation with one scenario's patient, written to its transcript after every event."""

    def __init__(self, scenario_file: ScenarioFile, seed: int, path: Path, events: list[Event],
                 clock: Clock = utc_now, visit: str | None = None, carried: CarriedPlan | None = None, *,
                 coder: "Future[Chosen] | None" = None, voice: "Future[Realiser | None] | None" = None) -> None:
        self.scenario_file = scenario_file
        self.visit = visit
        self.carried = carried
        # The coder whose codes drive the patient and are scored; the first turn waits for it to load.
        self._coder: Future[Chosen] = coder or ready(Chosen(RuleCoder()))
        # The scenario as played at this session's visit (worked out once; the UI reads it often).
        self.scenario: Scenario = self._scenario_of(scenario_file)
        self.seed = seed
        self.path = path
        self.events = events
        self._clock = clock
        self.engine = self._engine()
        # Who words the patient's replies: authored lines until (unless) a model has loaded.
        self._voice: Future[Realiser | None] = voice or ready(None)
        self._voice_noted = False
        self._voice_error: BaseException | None = None
        # Held until `close`, plan form included: another window or process on this visit is refused.
        self._writer = TranscriptWriter(path)

    def _engine(self) -> PatientEngine:
        """A fresh patient for this visit: at a review, what they told last time is known already."""
        return PatientEngine(self.scenario, self.seed, known=self.carried.known if self.carried else (),
                             meaning=self._meaning)

    def _meaning(self) -> Meaning | None:
        """The coder's sense of meaning (waiting for it to load, as a turn does), None with the rules."""
        return None if self._coder.exception() is not None else meaning_of(self._coder.result().coder)

    def _scenario_of(self, scenario_file: ScenarioFile) -> Scenario:
        """The scenario at this visit: a review that follows a recorded plan reports on that plan, in the
        author's words where it is the step the patient would have chosen."""
        scenario = scenario_file.scenario
        if self.carried is None or self.visit is None:
            return scenario.for_visit(self.visit)
        plan, outcome = self.carried.plan, self.carried.outcome
        own = own_step(plan, scenario, self._meaning())
        return scenario.for_review(self.visit, opening(scenario, self.visit, outcome, own),
                                   report(plan, outcome, scenario, self.visit, own), plan.review_date.strip())

    @property
    def cycle_id(self) -> str:
        """The id of the first visit of this patient's cycle (this session's own id for a first visit)."""
        return self.carried.cycle_id if self.carried else self.path.stem

    def next_visit(self, seed: int | None = None, directory: Path | None = None) -> "Session":
        """Start this patient's review visit from the plan recorded at the end of this one."""
        review = next((v.id for v in self.scenario_file.scenario.visits if v.kind == "review"), None)
        if review is None:
            raise ContentError([Problem(self.scenario_file.path, 0, 0, "this scenario has no review visit")])
        carried = carry(self.events, self.scenario, self.cycle_id, self.seed)
        started = self.events[0] if self.events else None
        trainee = started.trainee if isinstance(started, SessionStarted) else None
        return Session.start(self.scenario_file, seed=seed, directory=directory or self.path.parent,
                             clock=self._clock, visit=review, carried=carried, trainee=trainee,
                             coder=self._coder, voice=self._voice)

    @property
    def finished(self) -> bool:
        return any(isinstance(event, SessionEnded) for event in self.events)

    @property
    def turn(self) -> int:
        return sum(1 for event in self.events if isinstance(event, TraineeTurn))

    @classmethod
    def start(cls, scenario_file: ScenarioFile, seed: int | None = None, directory: Path | None = None,
              clock: Clock = utc_now, visit: str | None = None, carried: CarriedPlan | None = None,
              trainee: str | None = None, coder: "Future[Chosen] | None" = None,
              voice: "Future[Realiser | None] | None" = None) -> "Session":
        """Begin a new session: record who plays what (and, for a review, the plan it follows), then the
        patient's opening line."""
        seed = secrets.randbelow(2**31) if seed is None else seed
        now = clock()
        scenario = scenario_file.scenario.for_visit(visit)
        folder = directory or locations.session_dir()
        session_id = f"{now:%Y%m%d-%H%M%S}-{scenario.id}"
        path, number = folder / f"{session_id}.jsonl", 1
        while path.exists():
            number += 1
            path = folder / f"{session_id}-{number}.jsonl"
        session_id = path.stem
        session = cls(scenario_file, seed, path, [], clock, visit, carried, coder=coder, voice=voice)
        session._log(SessionStarted(
            seq=0, at=now, session_id=session_id, product_version=__version__, scenario_id=scenario.id,
            scenario_title=scenario.title, scenario_path=str(scenario_file.path.resolve()),
            scenario_hash=scenario_file.content_hash, seed=seed, trainee=trainee, visit=visit,
            cycle_id=carried.cycle_id if carried else None, plan=carried.plan if carried else None,
            plan_quality=carried.quality if carried else None, outcome=carried.outcome if carried else None,
            known=list(carried.known) if carried else [],
        ))
        session._patient(session.engine.opening(), [])
        return session

    @classmethod
    def resume(cls, path: Path, clock: Clock = utc_now, coder: "Future[Chosen] | None" = None,
               voice: "Future[Realiser | None] | None" = None, read: TranscriptRead | None = None) -> "Session":
        """Continue an unfinished visit: replay its trainee turns so the patient is where they left off.
        A visit whose conversation ended but whose plan was not saved resumes at the plan. `read` is the
        transcript when the caller has already read it (to choose its coder), so it is not read twice."""
        read = read or read_transcript(path)
        started = read.started
        if started is None:
            raise ContentError(read.problems)
        if read.complete:
            raise ContentError([Problem(path, 0, 0, "this visit is complete, plan and all; start a new one")])
        scenario_file = _find_scenario(started)
        carried = None
        if started.plan is not None and started.outcome is not None:
            carried = CarriedPlan(started.plan, started.plan_quality or 0.0, Outcome(started.outcome),
                                  started.cycle_id or started.session_id, tuple(started.known))
        session = cls(scenario_file, started.seed, path, list(read.events), clock, started.visit, carried,
                      coder=coder, voice=voice)
        recorded = [e for e in read.events if isinstance(e, PatientTurn) and e.turn > 0]
        replayed = session._replay()
        notes = [f"{p.path.name}:{p.line}: {p.message}" for p in read.problems]
        if scenario_file.content_hash != started.scenario_hash:
            notes.append("the scenario file has changed since this session began")
        if [r.text for r in replayed] != [e.meta.get("authored", e.text) for e in recorded[: len(replayed)]]:
            notes.append("the patient's replies differ on replay; the scenario may have changed")
        unanswered = session._unanswered()
        if unanswered is not None and not read.finished:
            # The process stopped between the trainee's turn and the patient's answer: answer it now.
            session._answer(unanswered)
        session.note("resumed", "; ".join(notes))
        return session

    def reload(self, scenario_file: ScenarioFile) -> None:
        """Switch to an edited version of the scenario mid-conversation (live reload for authors): the
        new patient is brought to where the conversation is by replaying the trainee's turns."""
        try:
            scenario = self._scenario_of(scenario_file)
        except KeyError:
            raise ContentError([Problem(scenario_file.path, 0, 0, f"the visit '{self.visit}' this session "
                                        "plays is no longer in the file")]) from None
        self.scenario_file, self.scenario = scenario_file, scenario
        self._replay()
        self.note("scenario_reloaded", scenario_file.content_hash)

    def _replay(self) -> list[PatientReply]:
        """A fresh patient brought through the answered trainee turns, with the codes recorded at the time,
        so it ends up exactly where the conversation is whichever coder is available now."""
        engine = self._engine()
        unanswered = self._unanswered()
        answered = [e for e in self.events if isinstance(e, TraineeTurn) and e is not unanswered]
        replies = [engine.respond(e.text, e.coding()) for e in answered]
        self.engine = engine
        return replies

    def say(self, text: str, on_show: OnShow | None = None) -> tuple[TraineeTurn, PatientTurn] | None:
        """Take one trainee utterance; return it (coded) and the patient's reply, or None if it was blank.
        The trainee's turn is saved before the patient moves, and the patient's state is kept only once the
        reply is saved too. Waits for the coder if it is still loading. A generated reply streams through
        `on_show` as it is written."""
        if self.finished:
            raise SessionClosed("the consultation has ended")
        text = clean_utterance(text)
        if not text:
            return None
        unanswered = self._unanswered()
        if unanswered is not None:
            # The last try saved the turn but not the reply (a failed write): answer it before anything else.
            reply = self._answer(unanswered, on_show)
            if unanswered.text == text:
                return unanswered, reply
        chosen = self._chosen_coder()
        last_reply = latest(self.events, PatientTurn)
        last_turn = latest(self.events, TraineeTurn)
        permission = last_turn is not None and asks_permission(last_turn.text)
        coding = code_turns(chosen.coder, [text], [last_reply.text if last_reply else ""], [permission])[0]
        trainee = TraineeTurn(seq=len(self.events), at=self._clock(), turn=self.turn + 1, text=text,
                              codes=sorted(coding.codes), utterances=utterances_of(coding),
                              coder=chosen.coder.version)
        self._log(trainee)
        return trainee, self._answer(trainee, on_show)

    def _chosen_coder(self) -> Chosen:
        """The coder of this session's turns (each turn records its version), waiting for it to load if need
        be. When it is not the one asked for, why is noted in the transcript, once."""
        chosen = self._coder.result()
        if chosen.note and not any(isinstance(e, SystemEvent) and e.kind == "coder_fallback" for e in self.events):
            self.note("coder_fallback", chosen.note)
        return chosen

    @property
    def coder_loading(self) -> bool:
        """Whether the coder is still loading (the next turn will wait for it)."""
        return not self._coder.done()

    def coder_notice(self) -> str | None:
        """Once the coder has loaded: why it is not the one asked for, or why there is none at all (then no
        turn can be coded); None while it loads or when it is the one asked for."""
        if not self._coder.done():
            return None
        error = self._coder.exception()
        return str(error) if error is not None else self._coder.result().note

    def _unanswered(self) -> TraineeTurn | None:
        """The last trainee turn, if the patient's answer to it was never saved."""
        for event in reversed(self.events):
            if isinstance(event, PatientTurn):
                return None
            if isinstance(event, TraineeTurn):
                return event
        return None

    def _answer(self, turn: TraineeTurn, on_show: OnShow | None = None) -> PatientTurn:
        """The patient's reply to a saved trainee turn: worked out without moving the patient, saved, and
        only then kept."""
        reply, after = self.engine.step(turn.text, turn.coding())
        event = self._patient(reply, after.state.released, on_show)
        self.engine = after
        return event

    @property
    def preparation(self) -> str:
        """The trainee's preparation note as last saved ('' if none)."""
        note = latest(self.events, PreparationNoted)
        return note.text if note else ""

    def prepare(self, text: str) -> None:
        """Save the trainee's preparation note, if it changed since it was last saved."""
        if text != self.preparation:
            self._log(PreparationNoted(seq=len(self.events), at=self._clock(), text=text))

    def note(self, kind: str, detail: str = "") -> None:
        """Record something that happened around the conversation."""
        self._log(SystemEvent(seq=len(self.events), at=self._clock(), kind=kind, detail=detail))

    def end(self) -> PatientTurn:
        """End the consultation: the patient's goodbye, their CollaboRATE answers, then the end marker."""
        if self.finished:
            raise SessionClosed("the consultation has already ended")
        # An end whose later write failed has already said (and saved) some of this: each part once.
        goodbye = latest(self.events, PatientTurn)
        if goodbye is None or goodbye.intent is not Intent.CLOSING:
            reply, after = self.engine.closing()
            goodbye = self._patient(reply, after.state.released)
            self.engine = after
        if not isinstance(self.events[-1], PatientRated):
            view = patient_view(self.events, disclosures(self.scenario, self.events))
            self._log(PatientRated(seq=len(self.events), at=self._clock(), answers={a.key: a.score for a in view}))
        self._log(SessionEnded(seq=len(self.events), at=self._clock()))
        return goodbye

    @property
    def plan(self) -> PlanRecorded | None:
        """The care plan as last saved (a draft or the final one), if any."""
        return latest(self.events, PlanRecorded)

    def record_plan(self, plan: CarePlan, final: bool) -> None:
        """Save the care plan (after the conversation ended): a draft as it is typed, or the final one."""
        last = self.plan
        if last is None or last.plan != plan or final != last.final:
            # The final plan carries its checks, so that scoring stays a function of the transcript alone.
            checks = check_plan(plan, self.events, self.scenario).met if final else {}
            self._log(PlanRecorded(seq=len(self.events), at=self._clock(), plan=plan, final=final, checks=checks))

    def scored(self, result: ScoredTranscript) -> None:
        """Record a score beside the conversation (after it ended), naming the rubric and coder used."""
        score = result.score
        self._log(ScoreRecorded(
            seq=len(self.events), at=self._clock(), overall=score.overall,
            levels={b.id: b.level for b in score.behaviours}, rubric_id=score.rubric_id,
            rubric_version=score.rubric_version, rubric_hash=result.rubric_hash, coder_version=score.coder_version,
        ))

    @property
    def transcript(self) -> TranscriptRead:
        """The session's events as a transcript, for scoring and feedback."""
        return TranscriptRead(self.path, list(self.events), [])

    def close(self) -> None:
        """Stop writing and let go of the visit, so that it can be resumed (here or in another process).
        Anything written after this takes the visit back (a score landing late, say)."""
        self._writer.close()

    def _take_back(self) -> None:
        """Lock the visit again after `close`, provided nothing else wrote to it in the meantime (these events
        would no longer be the file's); SessionClosed if something did."""
        writer = TranscriptWriter(self.path)
        on_disk = read_transcript(self.path).events
        if len(on_disk) != len(self.events) or on_disk[-1:] != self.events[-1:]:
            writer.close()
            raise SessionClosed(f"this visit was carried on elsewhere since this window let go of it: {self.path}. "
                                "Resume it to carry on.")
        self._writer = writer

    def _patient(self, reply: PatientReply, released: list[str], on_show: OnShow | None = None) -> PatientTurn:
        realiser = self._realiser()
        said = self._realise(realiser, reply, released, on_show)
        meta = {}
        if realiser is not None:
            meta = {"backend": realiser.backend.name, "seed": str(said.seed)}
            if said.how != "authored":
                meta["authored"] = reply.text
            meta.update({f"rejected_{n}": why for n, why in enumerate(said.rejected, 1)})
        event = PatientTurn(seq=len(self.events), at=self._clock(), turn=self.turn, text=said.text,
                            intent=reply.intent, released=list(reply.released), cue=reply.cue, source=said.how,
                            meta=meta)
        self._log(event)
        return event

    def _realiser(self) -> "Realiser | None":
        """The model wording the replies, once it has loaded (authored lines until then, or if it failed to
        load or to read this visit's prompt). The first time it is known, which it is (or why there is none)
        is noted in the transcript."""
        if not self._voice.done():
            return None
        if not self._voice_noted:
            self._voice_noted = True
            self._voice_error = self._voice.exception()
            realiser = self._voice.result() if self._voice_error is None else None
            if realiser is not None and not realiser.prepared_for(self.scenario):
                try:
                    realiser.prepare(self.scenario)  # loaded for an earlier visit: read this persona's prompt
                except Exception as failure:  # noqa: BLE001 - a failing model must never cost the trainee a reply
                    self._voice_error = failure
            why = self._voice_error
            if why is not None:
                self.note("backend_unavailable", str(why) if isinstance(why, SimulatorError)
                          else f"it failed to load ({type(why).__name__}: {why})")
            elif realiser is not None:
                self.note("backend", realiser.backend.name)
        return None if self._voice_error is not None else self._voice.result()

    def _realise(self, realiser: "Realiser | None", reply: PatientReply, released: list[str],
                 on_show: OnShow | None) -> Realised:
        if realiser is None:
            return Realised(reply.text, "authored")
        recent = self._exchanges(self.events)
        earlier = [e.text for e in self.events if isinstance(e, PatientTurn)]
        # One seed per patient turn, drawn from the session's: a generated reply is reproducible, whatever
        # else (a letter opened, a note saved) happened around it.
        seed = (self.seed * 1009 + len(earlier) * 2) % 2**31
        # The learned coder's encoder also checks that a rewording keeps the authored line's meaning.
        return realiser.realise(self.scenario, reply, released=released, recent=recent, earlier=earlier,
                                seed=seed, on_show=on_show, meaning=self._meaning())

    def read_ahead(self) -> None:
        """While the trainee thinks and types: have the model that words the replies read the start of the
        next turn's prompt, so that the reply to their next words starts sooner. Does nothing until that
        model has loaded and read this visit's fixed start, or once the consultation has ended. Writes nothing
        to the visit, so it may run on another thread while the trainee's next turn is being taken."""
        events = list(self.events)  # a snapshot: the trainee's next turn may be appended meanwhile
        if self.finished or not self._voice.done() or self._voice.exception() is not None:
            return
        realiser, recent = self._voice.result(), self._exchanges(events)
        if realiser is not None and recent and recent[-1].speaker != "Nurse":  # the patient has had their say
            realiser.read_ahead(self.scenario, released=list(self.engine.state.released), recent=recent)

    def _exchanges(self, events: list[Event]) -> list[Exchange]:
        """The conversation so far, as the model's prompt shows it."""
        name = first_name(self.scenario)
        return [Exchange("Nurse", e.text) if isinstance(e, TraineeTurn) else Exchange(name, e.text)
                for e in events if isinstance(e, TraineeTurn | PatientTurn)]

    def _log(self, event: Event) -> None:
        if self._writer.closed:
            self._take_back()
        self._writer.append(event)
        self.events.append(event)


def _find_scenario(started: SessionStarted) -> ScenarioFile:
    recorded = Path(started.scenario_path)
    if recorded.is_file():
        try:
            found = load_scenario(recorded)
            if found.scenario.id == started.scenario_id:
                return found
        except ContentError:
            pass  # fall back to looking the id up among the known scenarios
    return resolve(started.scenario_id)


@dataclass(frozen=True)
class SessionSummary:
    """A transcript on disk, as listed for `simulator resume`."""

    path: Path
    session_id: str
    scenario_title: str
    started_at: datetime
    turns: int
    complete: bool


def list_sessions(directory: Path | None = None) -> list[SessionSummary]:
    """Every readable transcript in the session folder, newest first."""
    found: list[SessionSummary] = []
    folder = directory or locations.session_dir()
    for path in transcript_files(folder) if folder.is_dir() else ():
        read = read_transcript(path)
        started = read.started
        if started is None:
            continue
        turns = sum(1 for event in read.events if isinstance(event, TraineeTurn))
        found.append(SessionSummary(path, started.session_id, started.scenario_title, started.at, turns,
                                    read.complete))
    return sorted(found, key=lambda s: s.started_at, reverse=True)
