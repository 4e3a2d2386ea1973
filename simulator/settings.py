"""The user's configuration file (TOML): which backend plays the patient, and with which model.

    [patient]
    backend = "local"            # scripted (default), local or remote
    model = "smollm2-135m"       # local: an installed model's name, a model folder or a .gguf file
                                 # remote: the model name the server knows
    url = "http://127.0.0.1:8080/v1"   # remote only: an OpenAI-compatible endpoint
    api_key_env = "OPENAI_API_KEY"     # remote only, optional: the variable holding the key

    [user]
    name = "Sam Patel"           # who you are: the trainee on your transcripts, the reviewer on your
                                 # annotations (default: your login name)

Command-line options override the file.
"""

import getpass
import tomllib
import urllib.parse
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from simulator import locations
from simulator.errors import ContentError, Problem

Backend = Literal["scripted", "local", "remote"]


# The embedded patient model `models pull` fetches when no other is named.
DEFAULT_MODEL = "smollm2-135m"


def url_problem(url: str) -> str | None:
    """Why `url` cannot be a remote patient's endpoint, or None if it can: only http:// and https://
    URLs with a host (a file:// or other URL would read or reach something that is not a chat server)."""
    if any(not c.isprintable() or c.isspace() for c in url):
        return f"the url {url!r} contains spaces or control characters"
    try:
        parts = urllib.parse.urlsplit(url)
        parts.port  # noqa: B018 - reading it checks it: ValueError when out of range or not a number
    except ValueError as error:
        return f"the url {url!r} is not a valid URL ({error})"
    if parts.scheme not in ("http", "https"):
        return f"the url {url!r} is not an http:// or https:// URL (for example http://127.0.0.1:8080/v1)"
    if not parts.hostname:
        return f"the url {url!r} names no host (for example http://127.0.0.1:8080/v1)"
    if parts.query or parts.fragment:
        return f"the url {url!r} has a query or fragment; give the endpoint only, ending in /v1"
    return None


class PatientSettings(BaseModel):
    """Who plays the patient."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    backend: Backend = Field("scripted", description="scripted (authored lines only), local or remote")
    model: str = Field(DEFAULT_MODEL, description="local: installed name, folder or .gguf; remote: served name")
    url: str | None = Field(None, description="remote: the OpenAI-compatible endpoint, ending in /v1")
    api_key_env: str | None = Field(None, description="remote: environment variable that holds the API key")
    dtype: Literal["auto", "bfloat16", "float32"] = Field("auto", description="local: number format")

    @field_validator("url")
    @classmethod
    def _http_only(cls, url: str | None) -> str | None:
        problem = url_problem(url) if url is not None else None
        if problem:
            raise ValueError(problem)
        return url

    @property
    def summary(self) -> str:
        """Who plays the patient, in a few words, before anything has loaded."""
        if self.backend == "scripted":
            return "scripted"
        if self.backend == "remote":
            return f"remote: {self.model} at {self.url}"
        return f"local: {self.model}"



class UserSettings(BaseModel):
    """Who is using the product."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str | None = Field(None, min_length=1, max_length=80, description="trainee and reviewer name")



class Settings(BaseModel):
    """The whole configuration file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    patient: PatientSettings = PatientSettings()
    user: UserSettings = UserSettings()

    @property
    def user_name(self) -> str:
        """The configured name, else the login name."""
        if self.user.name:
            return self.user.name
        try:
            return getpass.getuser()
        except (OSError, KeyError):
            return "unknown"


def load_settings(path: Path | None = None) -> Settings:
    """The settings in `path` (default: `locations.config_file()`); defaults when there is no file."""
    path = path or locations.config_file()
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return Settings()
    try:
        document = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as error:
        raise ContentError([Problem(path, 0, 0, f"not UTF-8 text ({error.reason} at byte {error.start})")]) from None
    except tomllib.TOMLDecodeError as error:
        raise ContentError([Problem(path, 0, 0, str(error))]) from None
    try:
        return Settings.model_validate(document)
    except ValidationError as error:
        raise ContentError([Problem(path, 0, 0, f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}")
                            for e in error.errors()]) from None
