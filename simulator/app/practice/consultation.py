"""The consultation: the conversation, the input line, the letter and persona card on keys."""

import time
from collections.abc import Callable
from contextlib import suppress
from functools import partial
from typing import TYPE_CHECKING, Any, cast

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Input, Static

from simulator.app.practice.dialogs import ConfirmScreen
from simulator.app.practice.document import DocumentScreen
from simulator.app.practice.note import NoteScreen
from simulator.app.practice.plan import plan_text
from simulator.app.widgets.turn import Turn
from simulator.content.scenario import Scenario
from simulator.content.scenario_loader import load_scenario
from simulator.errors import ContentError, SimulatorError
from simulator.practice.session import Session
from simulator.storage.events import PatientTurn, TraineeTurn
from simulator.text import clean_utterance

if TYPE_CHECKING:
    from simulator.app.practice.app import SimulatorApp

# Long enough for any spoken turn; stops a stray paste of a whole document becoming one utterance.
MAX_UTTERANCE = 1000


class UtteranceInput(Input):
    """The line the trainee speaks through. A paste is one utterance, its lines joined (Textual's input keeps
    only the first); one that would not fit in a turn is refused with a message, never dropped or cut short
    without a word, and what was already in the box stays."""

    _told_at = 0.0

    def _on_paste(self, event: events.Paste) -> None:
        event.stop()
        event.prevent_default()  # instead of Input's own handling
        text = " ".join(event.text.splitlines())
        start, end = sorted(self.selection)
        room = MAX_UTTERANCE - (len(self.value) - (end - start))
        if len(text) > room:
            self.app.bell()
            self.notify(f"Not pasted: that is {len(text):,} characters, and a turn can be at most {MAX_UTTERANCE:,} "
                        f"({room:,} more fit in the box). Paste or type a shorter part.", severity="warning",
                        timeout=10, markup=False)
            return
        self.replace(text, start, end)

    def restricted(self) -> None:
        """Typing past the longest turn: say why the keys do nothing (once in a while, not at every key)."""
        self.app.bell()
        if time.monotonic() - self._told_at > 5:
            self._told_at = time.monotonic()
            self.notify(f"A turn can be at most {MAX_UTTERANCE:,} characters. Send this one, then carry on.",
                        severity="warning", timeout=5, markup=False)


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
    ConsultationScreen #voice { width: auto; color: $text-muted; margin-right: 2; }
    ConsultationScreen #elapsed { width: auto; }
    ConsultationScreen #conversation { height: 1fr; padding: 1 1 0 1; }
    ConsultationScreen Input { dock: bottom; }
    """
    BINDINGS = [
        Binding("f1", "app.help", "Help"),
        Binding("f2", "letter", "Letter"),
        Binding("f3", "persona", "Persona"),
        Binding("f4", "preparation", "Your note"),
        Binding("f6", "last_plan", "Last plan"),
        Binding("f10", "end", "End consultation"),
    ]
    # What the keys of the conversation do; none of them once the goodbye is being said.
    _CONVERSATION_ACTIONS = frozenset({"letter", "persona", "preparation", "last_plan", "end"})

    def __init__(self, session: Session, already_elapsed: float = 0.0) -> None:
        super().__init__()
        self.session = session
        self._offset = already_elapsed
        self._started = 0.0
        # True while a worker thread writes the session (the trainee's turn and the patient's reply, or the
        # goodbye); then the interface writes nothing to it, and holds its own writes back until the worker has
        # finished (`_when_quiet`), so that the session is only ever written by one thread at a time.
        self._speaking = False
        self._held: list[Callable[[], None]] = []
        self._ending = False

    @property
    def practice_app(self) -> "SimulatorApp":
        """The app, as the practice app it always is (Textual types it as any App)."""
        return cast("SimulatorApp", self.app)

    def compose(self) -> ComposeResult:
        persona = self.session.scenario.persona
        with Horizontal(id="bar"):
            yield Static(f"{persona.name}, {persona.age} · {', '.join(persona.conditions)}", id="who",
                         markup=False)
            yield Static(id="voice", markup=False)
            yield Static(id="elapsed")
        yield VerticalScroll(id="conversation")
        yield UtteranceInput(placeholder="Type what you would say, then Enter", id="say", max_length=MAX_UTTERANCE)
        yield Footer()

    def on_mount(self) -> None:
        self.title = self.session.scenario.title
        conversation = self.query_one("#conversation", VerticalScroll)
        for event in self.session.events:
            if isinstance(event, TraineeTurn | PatientTurn):
                conversation.mount(self._turn(event))
        conversation.scroll_end(animate=False)
        self.query_one(Input).focus()
        config = self.practice_app.config
        self._started = config.clock()
        settings = config.patient
        loading = "" if settings.backend == "scripted" else " (loading)"
        self.query_one("#voice", Static).update(f"Patient: {settings.summary}{loading}")
        self._worded = False  # whether a model words the replies (known once it has loaded)
        self._backend_timer = self.set_interval(0.25, self._check_backend)
        self._coder_timer = self.set_interval(0.25, self._check_coder)
        self._tick()
        self.set_interval(1.0, self._tick)
        if config.watch_scenarios:
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
        if stamp is None or stamp == self._seen or self._speaking:
            return
        self._seen = stamp
        try:
            reloaded = load_scenario(self.session.scenario_file.path)
            self.session.reload(reloaded)
        except ContentError as error:
            shown = "\n".join(str(p) for p in error.problems[:5])
            more = f"\n(and {len(error.problems) - 5} more)" if len(error.problems) > 5 else ""
            self.notify(f"The scenario file has problems; still playing the last good version.\n{shown}{more}",
                        title="Scenario not reloaded", severity="error", timeout=15, markup=False)
            return
        self.notify(f"Reloaded {reloaded.path.name}", title="Scenario reloaded", markup=False)

    def _tick(self) -> None:
        seconds = int(self._offset + self.practice_app.config.clock() - self._started)
        minutes, secs = divmod(seconds, 60)
        self.query_one("#elapsed", Static).update(f"Turn {self.session.turn} · {minutes:02d}:{secs:02d}")

    def _turn(self, event: TraineeTurn | PatientTurn) -> Turn:
        if isinstance(event, TraineeTurn):
            return Turn("You", event.text, "trainee")
        return Turn(self.session.scenario.persona.name, event.text, "patient")

    def _check_backend(self) -> None:
        """Once the patient's model has loaded (or failed to), say which voice is playing. The session uses
        it from the next reply on (and notes it in the transcript)."""
        future = self.practice_app.kit.voice()
        if not future.done():
            return
        self._backend_timer.stop()
        voice = self.query_one("#voice", Static)
        error = future.exception()
        if error is not None:
            why = str(error) if isinstance(error, SimulatorError) else f"it failed to load ({error})"
            voice.update("Patient: scripted (model unavailable)")
            self.notify(f"{why}. The patient speaks in authored lines.", title="No language model",
                        severity="warning", timeout=15, markup=False)
            return
        realiser = future.result()
        voice.update(f"Patient: {realiser.backend.name}" if realiser is not None else "Patient: scripted")
        self._worded = realiser is not None
        if self._worded and not self._speaking:
            self._read_ahead()

    def _read_ahead(self) -> None:
        """While the trainee types, the model reads the start of the next reply's prompt (on a thread: it
        takes a tenth of a second or two, and the session writes nothing for it)."""
        self.run_worker(self.session.read_ahead, thread=True, group="read-ahead", exclusive=True)

    def _check_coder(self) -> None:
        """Once the coder has loaded, say so if it is not the one asked for: the trainee should know what
        their words are read by."""
        if self.session.coder_loading:
            return
        self._coder_timer.stop()
        notice = self.session.coder_notice()
        if notice:
            self.notify(notice, title="Coder", severity="warning", timeout=15, markup=False)

    @on(Input.Submitted)
    def _said(self, event: Input.Submitted) -> None:
        """Show the trainee's words at once and stream the patient's reply in as a worker writes it: one
        path for every turn, whether the coder is still loading and whoever words the reply."""
        if self._speaking:
            # Keep what the trainee typed; they send it once the patient has finished.
            self.notify(f"{self.session.scenario.persona.name} is still speaking; your words stay in the box.",
                        timeout=4, markup=False)
            return
        box = event.input
        value = box.value
        text = clean_utterance(value)
        box.clear()
        if not text:
            return
        said = Turn("You", text, "trainee")
        # Muted until the whole reply has passed its checks: a try may still be taken back.
        waiting = "… (getting ready to listen: the coder is loading)" if self.session.coder_loading else "…"
        reply = Turn(self.session.scenario.persona.name, waiting, "patient speaking")
        conversation = self.query_one("#conversation", VerticalScroll)
        conversation.mount_all([said, reply])
        conversation.scroll_end(animate=False)
        self._speaking = True
        self.run_worker(partial(self._converse, value, said, reply), thread=True, group="reply")

    def _converse(self, value: str, said: Turn, reply: Turn) -> None:
        """On the worker thread: code, answer and log one exchange, streaming the reply to the screen."""
        def show(text: str) -> None:
            self._from_worker(reply.say, text or "…")
            self._from_worker(self.query_one("#conversation", VerticalScroll).scroll_end, animate=False)

        try:
            exchange = self.session.say(value, on_show=show)
        except OSError as error:
            self._from_worker(self._not_said, value, f"Could not save to {self.session.path}: "
                              f"{error.strerror or error}.", [said, reply])
            return
        except SimulatorError as error:  # no coder could be loaded: nothing can be coded or answered
            self._from_worker(self._not_said, value, f"{error}. Quit with Ctrl+Q (the visit is kept) and "
                              "start it again with --coder best or --coder rules.", [said, reply])
            return
        self._from_worker(self._answered, reply, exchange[1] if exchange else None)

    def _from_worker(self, callback: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        # RuntimeError: the app closed while the patient was speaking; the transcript has everything.
        with suppress(RuntimeError):
            self.app.call_from_thread(callback, *args, **kwargs)

    def _when_quiet(self, write: Callable[[], None]) -> None:
        """Write to the session now, or, while a worker is writing it, as soon as the worker has finished."""
        if self._speaking:
            self._held.append(write)
        else:
            write()

    def _quiet(self) -> None:
        """The worker has finished writing the session: the writes held back meanwhile go in, in order."""
        self._speaking = False
        held, self._held = self._held, []
        for write in held:
            write()

    def _answered(self, reply: Turn, event: PatientTurn | None) -> None:
        self._quiet()
        reply.remove_class("speaking")
        if event is not None:
            reply.say(event.text)
            if self._worded:
                self._read_ahead()
        self._tick()

    def _not_said(self, value: str, why: str, turns: list[Turn]) -> None:
        """Take the exchange back off the screen and put the words back in the box, saying why."""
        self._quiet()
        for turn in turns:
            turn.remove()
        box = self.query_one(Input)
        box.value = value + (" " + box.value if box.value else "")
        self.notify(f"{why} Your words are back in the box.", severity="error", timeout=15, markup=False)

    def action_letter(self) -> None:
        """Open the results letter the patient was sent."""
        self._note("letter_opened")
        self.app.push_screen(DocumentScreen("Results letter", self.session.scenario.results_letter))

    def action_persona(self) -> None:
        """Open the persona card."""
        self._note("persona_opened")
        self.app.push_screen(DocumentScreen("Persona card", persona_card(self.session.scenario)))

    def action_last_plan(self) -> None:
        """At a review: open the plan recorded at the last visit, which this visit follows."""
        carried = self.session.carried
        if carried is not None:
            self._note("plan_opened")
            self.app.push_screen(DocumentScreen("The plan from the last visit", plan_text(carried.plan)))

    def _note(self, kind: str) -> None:
        """Record that a document was opened; if it cannot be saved, say so and open it anyway (the note
        is a record of the visit, not part of the conversation)."""
        def write() -> None:
            try:
                self.session.note(kind)
            except OSError as error:
                self.notify(f"Could not save to {self.session.path}: {error.strerror or error}.",
                            severity="warning", timeout=8, markup=False)

        self._when_quiet(write)

    def action_preparation(self) -> None:
        """Open the trainee's own preparation note, to read or carry on writing."""
        self.app.push_screen(NoteScreen(self.session.preparation, self._save_note))

    def _save_note(self, text: str, then: Callable[[], object]) -> None:
        """Save the note (once the patient has finished speaking), then carry on with `then`; a note that
        cannot be saved stays where it is, with the reason."""
        def write() -> None:
            try:
                self.session.prepare(text)
            except OSError as error:
                self.notify(f"Could not save your note to {self.session.path}: {error.strerror or error}. "
                            "It is still on the screen.", severity="error", timeout=10, markup=False)
                return
            then()

        self._when_quiet(write)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The conversation's keys are shown but do nothing once the goodbye is being said."""
        if action == "last_plan" and self.session.carried is None:
            return False  # only a review has a plan from the last visit
        if self._ending and action in self._CONVERSATION_ACTIONS:
            return None  # shown greyed out
        return True

    def action_end(self) -> None:
        """Ask, then end the consultation and go to the plan."""
        if self._speaking:
            self.notify("Let the patient finish first.", timeout=4)
            return
        name = self.session.scenario.persona.name
        self.app.push_screen(ConfirmScreen("End the consultation?", f"{name} says goodbye, and you record the care "
                                           "and support plan. The conversation cannot be taken up again.",
                                           yes="end it", no="carry on talking"), self._end_confirmed)

    def _end_confirmed(self, confirmed: bool | None) -> None:
        if not confirmed:
            return
        # The goodbye is a reply like any other: off the interface thread, in case a model words it.
        self._speaking = self._ending = True
        self.refresh_bindings()
        self.run_worker(self._end, thread=True, group="reply")

    def _end(self) -> None:
        try:
            self.session.end()
        except OSError as error:
            self._from_worker(self._not_ended, error)
            return
        self._from_worker(self.dismiss, self.session)

    def _not_ended(self, error: OSError) -> None:
        self._ending = False
        self.refresh_bindings()
        self._quiet()
        self.notify(f"Could not save to {self.session.path}: {error.strerror or error}. "
                    "The consultation is still open; try F10 again.", severity="error", timeout=10, markup=False)
