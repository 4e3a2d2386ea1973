"""The command line: the practice app by default, and one module per command group beside this one.

`practice` (the app, list, play, resume), `authoring` (validate, schema, scenario, playtest), `models`,
`quality` (import, code, score, calibrate) and `library` (library, review, agreement, export). Each
registers its commands and imports what it needs only when a command runs, so every command starts fast.
"""

import argparse
import os
import sys
from collections.abc import Sequence

from simulator import __version__
from simulator.cli import authoring, library, models, practice, quality
from simulator.cli.output import terminal_safe_output
from simulator.errors import ContentError, SimulatorError


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status (0 ok, 1 nothing to do, 2 bad input)."""
    args = parser().parse_args(argv)
    # Whatever a command prints, its messages included, is made safe for the terminal on the way out.
    with terminal_safe_output():
        return _run(args)


def _run(args: argparse.Namespace) -> int:
    try:
        return int(args.handler(args))
    except ContentError as error:
        for problem in error.problems:
            print(f"error: {problem}", file=sys.stderr)
        return 2
    except SimulatorError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        # The reader of our output went away (`simulator library list | head`): stop quietly, and point
        # stdout at nothing so that the interpreter's final flush does not complain again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except OSError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def parser() -> argparse.ArgumentParser:
    """Every command, from each group's module."""
    found = argparse.ArgumentParser(
        prog="simulator", description="Practise 'what matters to you?' care and support planning conversations with "
        "a simulated patient, and review how they went. With no command, opens the practice app.")
    found.add_argument("--version", action="version", version=f"simulator {__version__}")
    found.set_defaults(handler=practice.run_app)
    commands = found.add_subparsers(title="commands", metavar="COMMAND")
    for group in (practice, authoring, models, quality, library):
        group.register(commands)
    return found
