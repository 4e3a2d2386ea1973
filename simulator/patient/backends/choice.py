"""Opening the backend the settings name, with a message that says how to fix it when it cannot be."""

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
    from simulator.patient.backends.local import LocalBackend

    return LocalBackend(path, dtype=settings.dtype)


def open_realiser(settings: PatientSettings, scenario: Scenario | None = None) -> Realiser | None:
    """What words the patient's replies: the configured backend behind the checks, having read the
    fixed start of `scenario`'s prompts if one is given; None for authored lines (scripted).
    Raises BackendUnavailable like `open_backend`."""
    backend = open_backend(settings)
    if backend is None:
        return None
    realiser = Realiser(backend)
    if scenario is not None:
        realiser.prepare(scenario)
    return realiser
