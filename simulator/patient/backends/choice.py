"""Opening the backend the settings name, with a message that says how to fix it when it cannot be.

This is the one place models are opened: whatever goes wrong while loading one or having it read the
patient's prompt (a missing file, corrupt weights, a truncated GGUF, a tokenizer without a chat
template, a URL that is not http) comes out as BackendUnavailable naming the model, so every face
says so and goes on in authored lines.
"""

from simulator.content.scenario import Scenario
from simulator.errors import BackendUnavailable
from simulator.patient.backends import Backend
from simulator.patient.model_store import locate
from simulator.patient.realiser import Realiser
from simulator.settings import DEFAULT_MODEL, PatientSettings


def open_backend(settings: PatientSettings) -> Backend | None:
    """The backend to word the patient's replies, or None for authored lines only (scripted).

    Slow for `local`: it loads the model. Raises BackendUnavailable with the fix when it cannot.
    """
    if settings.backend == "scripted":
        return None
    if settings.backend == "remote":
        if not settings.url:
            raise BackendUnavailable("the remote backend needs a url (for example http://127.0.0.1:8080/v1) "
                                     "in the [patient] section of the config file or with --url")
        from simulator.patient.backends.remote import RemoteBackend

        return RemoteBackend(settings.url, settings.model, api_key_env=settings.api_key_env)
    path = locate(settings.model)
    if path is None:
        fix = ("run 'simulator models pull'" if settings.model == DEFAULT_MODEL
               else "name an installed model ('simulator models list'), a model folder or a .gguf file")
        raise BackendUnavailable(f"the patient model '{settings.model}' is not installed: {fix}")
    try:
        from simulator.patient.backends.local import LocalBackend

        return LocalBackend(path, dtype=settings.dtype)
    except BackendUnavailable:
        raise
    except Exception as error:  # noqa: BLE001 - a broken model file fails deep in transformers or torch, in any way
        raise BackendUnavailable(f"cannot load the model at {path}: {_why(error)}") from error


def open_realiser(settings: PatientSettings, scenario: Scenario | None = None) -> Realiser | None:
    """What words the patient's replies: the configured backend behind the checks, having read the
    fixed start of `scenario`'s prompts if one is given; None for authored lines (scripted).
    Raises BackendUnavailable like `open_backend`."""
    backend = open_backend(settings)
    if backend is None:
        return None
    realiser = Realiser(backend)
    if scenario is not None:
        try:
            realiser.prepare(scenario)
        except BackendUnavailable:
            raise
        except Exception as error:  # noqa: BLE001 - as in open_backend: a model that cannot read a prompt is unusable
            raise BackendUnavailable(f"{backend.name} cannot read the patient's prompt: {_why(error)}") from error
    return realiser


def _why(error: BaseException) -> str:
    """An error's message on one line, short enough to read (library messages can run to paragraphs)."""
    text = " ".join(str(error).split()) or type(error).__name__
    return text if len(text) <= 300 else text[:299] + "…"
