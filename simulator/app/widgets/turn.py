"""One turn of the conversation as shown on screen."""

from textual.content import Content
from textual.widgets import Static


class Turn(Static):
    """A speaker's words, always shown as literal text: typed markup and escapes are never interpreted."""

    DEFAULT_CSS = """
    Turn { padding: 0 1; margin: 0 0 1 0; width: 1fr; height: auto; }
    Turn.trainee { margin-left: 8; background: $primary 15%; border-left: wide $primary; }
    Turn.patient { margin-right: 8; background: $secondary 12%; border-left: wide $secondary; }
    Turn.speaking { color: $text-muted; }
    """

    def __init__(self, speaker: str, text: str, role: str) -> None:
        super().__init__(classes=role, markup=False)
        self.speaker = speaker
        self.say(text)

    def say(self, text: str) -> None:
        """Show these words (again, as a streamed reply grows)."""
        self.update(Content.assemble((self.speaker, "bold"), "\n", text))
