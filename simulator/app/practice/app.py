"""The practice app: picker, consultation and feedback screens over the practice use cases."""

from pathlib import Path
from typing import TYPE_CHECKING

from textual.binding import Binding

from simulator import __version__
from simulator.app.config import AppConfig, remember_name
from simulator.app.practice.dialogs import NameScreen
from simulator.app.practice.keys import QUIT
from simulator.app.practice.picker import Choice, PickerScreen
from simulator.app.terminal import TerminalSafeApp
from simulator.content.scenario_loader import discover
from simulator.errors import ContentError, SimulatorError

# The first screen is the picker: the visit's screens and the practice core behind them (sessions, coding,
# the patient, scoring) are imported when first used, so that the app starts about as fast as Textual does.
if TYPE_CHECKING:
    from simulator.content.rubric_loader import RubricFile
    from simulator.practice.session import Session
    from simulator.practice.visit import Kit


class SimulatorApp(TerminalSafeApp[None]):
    """Keyboard-only practice: choose a patient, hold the conversation, read the feedback."""

    TITLE = "Consultation simulator"
    SUB_TITLE = f"v{__version__}"
    BINDINGS = [Binding("f1", "help", "Help", show=False), QUIT]
    ENABLE_COMMAND_PALETTE = False

    def __init__(self, config: AppConfig | None = None, *, start: Choice | None = None,
                 resume: Path | None = None) -> None:
        """Open on the picker, or straight into `start`'s visit, or continuing the visit saved at `resume`
        (SimulatorError if it cannot be resumed: ContentError for the file, or open in another window)."""
        super().__init__()
        self.config = config or AppConfig()
        self._start = start
        self._kit: Kit | None = None
        self._resume = self.kit.resume(resume) if resume is not None else None
        # The visit in play: its transcript is locked against other windows until it is let go.
        self._visit: Session | None = None

    @property
    def kit(self) -> "Kit":
        """The coder and the patient's voice every visit of this run is played with, loaded once (made on
        first use: the picker needs neither)."""
        if self._kit is None:
            from simulator.practice.visit import Kit

            config = self.config
            self._kit = Kit(coder_name=config.coder, patient=config.patient, seed=config.seed,
                            directory=config.session_dir, clock=config.now, trainee=config.trainee)
        return self._kit

    def on_mount(self) -> None:
        if self.config.trainee is None and self.config.remember_name_in is not None:
            self.push_screen(NameScreen(), self._named)
        else:
            self._begin()

    def _named(self, name: str | None) -> None:
        """Use the name the trainee gave for this run's visits and remember it for the next runs; then begin."""
        where = self.config.remember_name_in
        if name is not None and where is not None:
            self.kit.trainee = name
            try:
                remember_name(name, where)
            except (OSError, SimulatorError) as error:
                self.notify(f"Your name is used for this session but could not be remembered: {error}",
                            severity="warning", timeout=15, markup=False)
        self._begin()

    def _begin(self) -> None:
        if self._resume is not None:
            self._continue(self._resume)
        elif self._start is not None:
            self._chosen(self._start)
        else:
            self._pick()

    def on_unmount(self) -> None:
        if self._kit is not None:
            self._kit.close()  # a reply being worded falls back at once: quitting never waits for a model or server
        self._let_go()

    def _open(self, session: "Session") -> None:
        """Make `session` the visit in play, letting go of the one before (another window may resume it)."""
        if self._visit is not session:
            self._let_go()
        self._visit = session

    def _let_go(self, discard: bool = False) -> None:
        """Let go of the visit in play, so that another window may resume it. One that has not started (no
        word said) is removed instead when the trainee discards it, or when it holds nothing of theirs (not
        even a note): a visit picked and left is no session to resume. Removed while still locked, so that
        no other window has taken it up meanwhile."""
        visit, self._visit = self._visit, None
        if visit is None:
            return
        if not visit.finished and visit.turn == 0 and (discard or not visit.preparation.strip()):
            try:
                visit.path.unlink(missing_ok=True)
            except OSError as error:
                self.notify(f"Could not remove the unstarted visit {visit.path}: {error.strerror or error}",
                            severity="warning", timeout=10, markup=False)
        visit.close()

    def _continue(self, session: "Session") -> None:
        """Pick a resumed visit up at the step where it stopped: preparing, talking or recording the plan, and
        say what resuming found (a file altered or cut short, a scenario that has changed)."""
        from simulator.storage.events import SystemEvent, latest

        self._open(session)
        found = latest(session.events, SystemEvent)
        if found is not None and found.kind == "resumed" and found.detail:
            self.notify(f"Resumed {session.path.name}: {found.detail}", title="Resumed with a warning",
                        severity="warning", timeout=20, markup=False)
        if session.finished:
            self._ended(session)
        elif session.turn == 0:
            self._prepare(session)
        else:
            self._consult(session, _elapsed_so_far(session))

    def _pick(self) -> None:
        # Scenarios are read afresh each time, so files added while the app runs show up.
        scenarios, problems = discover(self.config.scenario_dirs)
        self.push_screen(PickerScreen(scenarios, problems), self._chosen)

    def _chosen(self, choice: Choice | None) -> None:
        if choice is None:
            return
        try:
            session = self.kit.start(choice.scenario_file, choice.visit)
        except OSError as error:
            self.notify(f"Cannot save transcripts in {self.config.session_dir}: {error.strerror or error}",
                        severity="error", timeout=10, markup=False)
            self._pick()
            return
        except SimulatorError as error:  # another window took the same new transcript's name first
            self.notify(str(error), severity="error", timeout=10, markup=False)
            self._pick()
            return
        self._prepare(session)

    def _prepare(self, session: "Session") -> None:
        from simulator.app.practice.prepare import PrepareScreen

        self._open(session)
        self.push_screen(PrepareScreen(session), self._prepared)

    def _prepared(self, session: "Session | None") -> None:
        """Into the conversation, or (None: the trainee left it) back to the list of patients."""
        if session is not None:
            self._consult(session)
            return
        self._let_go(discard=True)
        self._pick()

    def _consult(self, session: "Session", already_elapsed: float = 0.0) -> None:
        from simulator.app.practice.consultation import ConsultationScreen

        self.push_screen(ConsultationScreen(session, already_elapsed), self._ended)

    def _ended(self, session: "Session | None") -> None:
        from simulator.app.practice.plan import PlanScreen

        if session is not None:
            self.push_screen(PlanScreen(session), self._planned)

    def _planned(self, session: "Session | None") -> None:
        from simulator.app.practice.feedback import FeedbackScreen

        if session is not None:
            self.push_screen(FeedbackScreen(session, self._rubric()),
                             lambda choice: self._after_feedback(session, choice))

    def _rubric(self) -> "RubricFile":
        """The configured rubric, or the built-in one (with a message) if the configured one is broken."""
        from simulator.content.rubric_loader import load_rubric

        try:
            return load_rubric(self.config.rubric)
        except ContentError as error:
            self.notify(f"Using the built-in rubric: {error.problems[0]}", severity="error", timeout=10, markup=False)
            return load_rubric()

    def _after_feedback(self, session: "Session", choice: str | None) -> None:
        if choice == "review":
            try:
                review = self.kit.review(session)
            except (OSError, SimulatorError) as error:
                self.notify(f"Cannot start the review visit: {error}", severity="error", timeout=10, markup=False)
                self._pick()
                return
            self._prepare(review)
        elif choice == "new":
            self._pick()
        else:
            self.exit()

    def action_help(self) -> None:
        """Show the help screen (unless it is already open)."""
        # Imported on first use: the Markdown widget costs start-up time the first screen does not need.
        from simulator.app.practice.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())


def _elapsed_so_far(session: "Session") -> float:
    """Seconds between a resumed session's first and last events: time already spent in it."""
    return (session.events[-1].at - session.events[0].at).total_seconds()
