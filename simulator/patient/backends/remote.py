"""The remote backend: any OpenAI-compatible chat endpoint (vLLM, llama.cpp's server, Ollama).

Only the standard library: one streaming POST to `{url}/chat/completions` per reply, read as
server-sent events. Nothing is sent anywhere unless a user configures this backend.
"""

import json
import os
import urllib.error
import urllib.request

from simulator.errors import BackendUnavailable
from simulator.patient.backends import Message, OnText

TIMEOUT_S = 30.0


class RemoteBackend:
    """A chat model served over HTTP."""

    def __init__(self, url: str, model: str, *, api_key_env: str | None = None, temperature: float = 0.7) -> None:
        self.url = url.rstrip("/")
        self.model = model
        self._key = os.environ.get(api_key_env, "") if api_key_env else ""
        self._temperature = temperature

    @property
    def name(self) -> str:
        return f"remote: {self.model} at {self.url}"

    def warm(self, messages: list[Message]) -> None:
        """Nothing to do: the server keeps its own cache."""

    def generate(self, messages: list[Message], *, seed: int, max_new_tokens: int,
                 on_text: OnText | None = None) -> str:
        """Stream one completion; stops reading (and closes the connection) when `on_text` says so."""
        body = json.dumps({"model": self.model, "messages": messages, "stream": True, "seed": seed,
                           "max_tokens": max_new_tokens, "temperature": self._temperature}).encode()
        headers = {"Content-Type": "application/json", "Accept": "text/event-stream"}
        if self._key:
            headers["Authorization"] = f"Bearer {self._key}"
        request = urllib.request.Request(f"{self.url}/chat/completions", data=body, headers=headers)
        text = ""
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:
                for raw in response:
                    line = raw.decode("utf-8", "replace").strip()
                    if not line.startswith("data:"):
                        continue
                    data = line[len("data:"):].strip()
                    if data == "[DONE]":
                        break
                    piece = _delta(data)
                    if not piece:
                        continue
                    text += piece
                    if on_text is not None and not on_text(text):
                        break
        except urllib.error.HTTPError as error:
            raise BackendUnavailable(f"{self.url} answered {error.code} {error.reason}") from error
        except (urllib.error.URLError, TimeoutError, OSError) as error:
            reason = getattr(error, "reason", error)
            raise BackendUnavailable(f"cannot reach {self.url}: {reason}") from error
        return text


def _delta(data: str) -> str:
    """The text in one streamed chunk; chunks without any (role announcements, usage) give ''."""
    try:
        chunk = json.loads(data)
        return chunk["choices"][0]["delta"].get("content") or ""
    except (ValueError, KeyError, IndexError, TypeError, AttributeError):
        return ""
