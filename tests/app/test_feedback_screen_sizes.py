"""The feedback screen at the sizes trainees use, 80x24 and 120x40: plain words first (what it came to,
strengths and what to work on in their own words, what to say instead), and the MITI figures one key (M)
away. The consultation is coded by a fixed table, so these snapshots change with the screen, not the coder.

Update them after an intended change with: pytest tests/app/test_feedback_screen_sizes.py --snapshot-update
"""

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from textual.app import App, ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.pilot import Pilot
from textual.widgets import Static

from simulator.app.practice.feedback import FeedbackScreen
from simulator.app.practice.keys import QUIT
from simulator.coding.choice import Chosen
from simulator.coding.codes import Code
from simulator.content.rubric_loader import load_rubric
from simulator.content.scenario_loader import resolve
from simulator.practice.loading import ready
from simulator.practice.session import Session
from simulator.storage.care_plan import CarePlan

WHEN = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)
# A middling consultation with Gary: some listening, some telling, closed questions at the end.
SAID: dict[str, set[Code]] = {
    "Hi Gary, thanks for coming in.": {Code.OTHER},
    "How do you feel about your results?": {Code.OPEN_QUESTION, Code.EXPLORES_RESULTS},
    "It sounds like the night shifts make it hard.": {Code.COMPLEX_REFLECTION},
    "You really should eat before you go out.": {Code.PERSUADE},
    "What matters most to you at the moment?": {Code.OPEN_QUESTION, Code.ASKS_WHAT_MATTERS},
    "Tell me more about that.": {Code.OPEN_QUESTION},
    "Do you want to try cutting down on takeaways?": {Code.CLOSED_QUESTION},
    "Shall we meet again in two months?": {Code.CLOSED_QUESTION, Code.REVIEW_ARRANGED},
}
TIME_LIMIT = 20.0


class TableCoder:
    """Codes each utterance by the table above (OTHER when it is not there)."""

    version = "table-1"

    def code_utterances(self, texts: Sequence[str], contexts: Sequence[str],
                        permissions: Sequence[bool]) -> list[frozenset[Code]]:
        return [frozenset(SAID.get(text, {Code.OTHER})) for text in texts]


def played(folder: Path) -> Session:
    """The consultation, ended, with a plan recorded."""
    session = Session.start(resolve("p1-taxi-driver"), seed=0, directory=folder, clock=lambda: WHEN,
                            trainee="Sam", coder=ready(Chosen(TableCoder())))
    for line in SAID:
        session.say(line)
    session.end()
    session.record_plan(CarePlan(what_matters="Keeping my badge", goal="Keep driving the cab",
                                 step_what="Soup in a flask", step_when="Before each shift",
                                 review_date="In two months"), final=True)
    return session


class Host(App[None]):
    """Just the feedback screen, over a played consultation, with the practice app's own quit key."""

    TITLE = "Consultation simulator"
    BINDINGS = [QUIT]

    def __init__(self, session: Session) -> None:
        super().__init__()
        self.session = session

    def compose(self) -> ComposeResult:
        yield Static()

    def on_mount(self) -> None:
        self.push_screen(FeedbackScreen(self.session, load_rubric()))


async def shown(pilot: Pilot) -> FeedbackScreen:
    """Wait, bounded, for the feedback to be scored and shown."""
    async def scored() -> None:
        while not (isinstance(pilot.app.screen, FeedbackScreen) and pilot.app.screen.report is not None):
            await pilot.pause(0.05)
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()

    await asyncio.wait_for(scored(), TIME_LIMIT)
    screen = pilot.app.screen
    assert isinstance(screen, FeedbackScreen)
    return screen


async def _miti(pilot: Pilot) -> None:
    screen = await shown(pilot)
    await pilot.press("m")
    page = screen.query_one("#page", VerticalScroll)

    async def scrolled() -> None:  # the page scrolls to the figures once they are laid out
        while page.scroll_y == 0:
            await pilot.pause(0.05)
        await pilot.pause()

    await asyncio.wait_for(scrolled(), TIME_LIMIT)


def test_feedback_at_80x24(snap_compare, tmp_path: Path) -> None:  # noqa: ANN001 - fixture from the plugin
    assert snap_compare(Host(played(tmp_path)), terminal_size=(80, 24), run_before=shown)


def test_feedback_at_120x40(snap_compare, tmp_path: Path) -> None:  # noqa: ANN001
    assert snap_compare(Host(played(tmp_path)), terminal_size=(120, 40), run_before=shown)


def test_miti_figures_at_80x24(snap_compare, tmp_path: Path) -> None:  # noqa: ANN001
    assert snap_compare(Host(played(tmp_path)), terminal_size=(80, 24), run_before=_miti)


async def test_plain_words_first_and_the_miti_figures_one_key_away(tmp_path: Path) -> None:
    async with Host(played(tmp_path)).run_test(size=(80, 24)) as pilot:
        screen = await shown(pilot)
        figures = screen.query_one("#miti", Vertical)
        assert not figures.display
        main = "\n".join(str(w.render()) for w in screen.query(Static) if w.display and figures not in w.ancestors)
        assert "Try: “" in main and "You said: “" in main
        assert "clamp" not in main and "turn(s) with" not in main and "(1 of" not in main
        assert "press m" in main
        await pilot.press("m")
        await pilot.pause()
        assert figures.display
        inside = "\n".join(str(w.render()) for w in figures.query(Static))
        assert "clamp" in inside and "R06 level 0" in inside
        await pilot.press("m")
        await pilot.pause()
        assert not figures.display
