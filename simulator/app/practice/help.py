"""The help screen: how to practise and which keys do what."""

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Footer, Markdown

from simulator.app.practice.keys import QUIT

HELP = """\
# How to practise

You are the nurse. The patient has been sent their results letter and has come for a care and
support planning conversation. The visit has four steps:

1. **Prepare**: read the letter and the clinical notes and jot a note; **F5** starts the conversation,
   **Escape** goes back to choose another patient (the visit is not kept).
2. **Discuss**: the conversation. The letter (**F2**), persona card (**F3**) and your note (**F4**, which you
   can add to) stay at hand.
3. **Record**: after **F10** (it asks first), write the care and support plan; **Enter** or **Tab** goes to
   the next box, **F5** saves it.
4. **Review**: on the feedback screen, **R** sees the patient again, weeks later, following your plan.

- Type what you would say and press **Enter**. The patient answers.
- Ask what matters to them, listen, and reflect back what you hear. A person who feels heard
  says more; a person who is lectured says less.
- Press **F10** to end the consultation (Enter confirms, Escape carries on talking), then record the plan
  and see your feedback.
- Your words are saved as you go. If the program stops, `simulator resume` picks up where you were.

# Who plays the patient

The bar at the top says. **scripted**: the lines the scenario's author wrote. **local** or
**remote**: a language model rewords those lines so the patient does not always say the same thing;
the scenario still decides what the patient says and when. A reply appears word by word, muted until
it has passed its checks; one that fails is replaced by the author's line. You can type while the
patient speaks: Enter keeps your words in the box until the reply has finished. Start with a model
using `simulator practice --patient local` after `simulator models pull`.

# Keys

| key | what it does |
|---|---|
| Enter | say what you typed |
| F1 | this help |
| F2 | the results letter |
| F3 | the persona card |
| F4 | your preparation note, to read or add to (Escape saves and closes it) |
| F5 | start the conversation (preparing); save the plan (plan form) |
| F10 | end the consultation, once you confirm it |
| Enter, Tab | the next box (plan form) |
| R | the review visit (feedback screen) |
| Up / Down | move in the scenario list |
| Escape | close a window like this one; back to the list of patients (preparing) |
| Ctrl+Q | quit (an unfinished consultation can be resumed) |
"""


class HelpScreen(ModalScreen[None]):
    """Keys and a short guide; Escape closes it."""

    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll { width: 80; max-width: 95%; height: 85%; border: thick $accent;
                                  background: $surface; }
    """
    BINDINGS = [Binding("escape", "dismiss", "Close"), Binding("f1", "dismiss", "Close", show=False), QUIT]

    def compose(self) -> ComposeResult:
        with VerticalScroll() as scroll:
            scroll.border_title = "Help"
            yield Markdown(HELP)
        yield Footer()
