"""Keys the practice app's screens share."""

from textual.binding import Binding

# Quitting, in every footer. A priority binding of the app works on every screen, dialogs included, so
# each screen does not bind it again; dialogs list it in their own footers, which show their keys only.
QUIT = Binding("ctrl+q", "app.quit", "Quit", priority=True,
               tooltip="Quit; an unfinished consultation can be resumed with `simulator resume`")
