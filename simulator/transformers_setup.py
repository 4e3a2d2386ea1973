"""Setting transformers up the way the product needs it, once, before it is used."""

import os
import warnings


def use_local_transformers() -> None:
    """Weights from local files only, never a model hub; and nothing written to the terminal (progress
    bars and notices on stderr would scribble over the terminal app). Call before importing transformers:
    the offline switch is read at import time."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from transformers.utils import logging

    logging.disable_progress_bar()
    logging.set_verbosity_error()
    warnings.filterwarnings("ignore", category=FutureWarning, module=r"transformers\.")
