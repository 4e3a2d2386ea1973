"""The consultation: the conversation, the input line, the letter and persona card on keys."""

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Input, Static

from simulator.app.screens.document import DocumentScreen
from simulator.app.widgets.turn import Turn
from simulator.problems import ContentError
from simulator.scenario import Scenario
from simulator.scenario_loader import load_scenario
from simulator.session import Session
from simulator.transcript import PatientTurn, TraineeTurn

# Long enough for any spoken turn; stops a stray paste of a whole document becoming one utterance.
MAX_UTTERANCE = 1000


def persona_card(scenario: Scenario) -> str:
    """The persona as the trainee may see it: public profile only, no hidden facts."""
    persona = scenario.persona
    lines = [f"{persona.name}, {persona.age}"]
    if persona.occupation:
        lines.append(persona.occupation)
    lines += ["", "Conditions: " + ", ".join(persona.conditions), "", persona.life_context]
    return "\n".join(lines)


class ConsultationScreen(Screen[Session]):
    """One consultation; dismissed with the ended session when the trainee ends it."""

    DEFAULT_CSS = """
    ConsultationScreen #bar { height: 1; background: $primary 30%; padding: 0 1; }
    ConsultationScreen #who { width: 1fr; text-style: bold; }
    ConsultationScreen #elapsed { width: auto; }
    ConsultationScreen #conversation { height: 1fr; padding: 1 1 0 1; }
    ConsultationScreen Input { dock: bottom; }
    """
    BINDINGS = [
        Binding("f1", "app.help", "Help"),
        Binding("f2", "letter", "Results letter"),
        Binding("f3", "persona", "Persona card"),
        Binding("f10", "end", "End consultation"),
        Binding("ctrl+q", "app.quit", "Quit (resume later)"),
    ]

    def __init__(self, session: Session, already_elapsed: float = 0.0) -> None:
        super().__init__()
        self.session = session
        self._offset = already_elapsed
        self._started = 0.0

    def compose(self) -> ComposeResult:
        persona = self.session.scenario.persona
        with Horizontal(id="bar"):
            yield Static(f"{persona.name}, {persona.age} · {', '.join(persona.conditions)}", id="who",
                         markup=False)
            yield Static(id="elapsed")
        yield VerticalScroll(id="conversation")
        yield Input(placeholder="Type what you would say, then Enter", id="say", max_length=MAX_UTTERANCE)
        yield Footer()

    def on_mount(self) -> None:
        self.title = self.session.scenario.title
        conversation = self.query_one("#conversation", VerticalScroll)
        for event in self.session.events:
            if isinstance(event, TraineeTurn | PatientTurn):
                conversation.mount(self._turn(event))
        conversation.scroll_end(animate=False)
        say = self.query_one(Input)
        say.cursor_blink = self.app.config.cursor_blink  # type: ignore[attr-defined]
        say.focus()
        self._started = self.app.config.clock()  # type: ignore[attr-defined]
        self.call_after_refresh(self.app.load_coder)  # type: ignore[attr-defined]
        self._tick()
        self.set_interval(1.0, self._tick)
        if self.app.config.watch_scenarios:  # type: ignore[attr-defined]
            self._seen = self._stamp()
            self.set_interval(1.0, self._check_scenario)

    def _stamp(self) -> tuple[int, int] | None:
        try:
            stat = self.session.scenario_file.path.stat()
        except OSError:
            return None
        return (stat.st_mtime_ns, stat.st_size)

    def _check_scenario(self) -> None:
        """Reload the scenario when its file is saved; if the new version is broken, say where and
        keep playing the old one."""
        stamp = self._stamp()
        if stamp is None or stamp == self._seen:
            return
        self._seen = stamp
        try:
            reloaded = load_scenario(self.session.scenario_file.path)
            self.session.reload(reloaded)
        except ContentError as error:
            shown = "\n".join(str(p) for p in error.problems[:5])
            more = f"\n(and {len(error.problems) - 5} more)" if len(error.problems) > 5 else ""
            self.notify(f"The scenario file has problems; still playing the last good version.\n{shown}{more}",
                        title="Scenario not reloaded", severity="error", timeout=15)
            return
        self.notify(f"Reloaded {reloaded.path.name}", title="Scenario reloaded")

    def _tick(self) -> None:
        seconds = int(self._offset + self.app.config.clock() - self._started)  # type: ignore[attr-defined]
        minutes, secs = divmod(seconds, 60)
        self.query_one("#elapsed", Static).update(f"Turn {self.session.turn} · {minutes:02d}:{secs:02d}")

    def _turn(self, event: TraineeTurn | PatientTurn) -> Turn:
        if isinstance(event, TraineeTurn):
            return Turn("You", event.text, "trainee")
        return Turn(self.session.scenario.persona.name, event.text, "patient")

    @on(Input.Submitted)
    def _said(self, event: Input.Submitted) -> None:
        self._use_loaded_coder()
        try:
            exchange = self.session.say(event.value)
        except OSError as error:
            # Leave the words in the box so nothing typed is lost.
            self.notify(f"Could not save to {self.session.path}: {error.strerror or error}. "
                        "Your words are still in the box.", severity="error", timeout=10)
            return
        event.input.clear()
        if exchange is None:
            return
        conversation = self.query_one("#conversation", VerticalScroll)
        conversation.mount_all([self._turn(exchange[0]), self._turn(exchange[1])])
        conversation.scroll_end(animate=False)
        self._tick()

    def _use_loaded_coder(self) -> None:
        """Once the background load has finished, the learned coder drives the patient too: one coder,
        two uses. Until then (or if it failed) the rule-based coder does."""
        future = self.app.coder  # type: ignore[attr-defined]
        if future.done() and future.exception() is None and self.session.coder is not future.result():
            self.session.coder = future.result()

    def action_letter(self) -> None:
        """Open the results letter the patient was sent."""
        self.session.note("letter_opened")
        self.app.push_screen(DocumentScreen("Results letter", self.session.scenario.results_letter))

    def action_persona(self) -> None:
        """Open the persona card."""
        self.session.note("persona_opened")
        self.app.push_screen(DocumentScreen("Persona card", persona_card(self.session.scenario)))

    def action_end(self) -> None:
        """End the consultation and go to feedback."""
        self.session.end()
        self.dismiss(self.session)
