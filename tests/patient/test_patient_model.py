"""The language-model side of the patient: backends, prompt, checks, realiser, and their faces."""

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from helpers import SHIPPED, script, streamed

from simulator.content.scenario_loader import ScenarioFile, load_scenario
from simulator.errors import BackendUnavailable
from simulator.patient.backends import Message, OnText
from simulator.patient.backends.choice import open_backend
from simulator.patient.backends.remote import RemoteBackend
from simulator.patient.engine import Intent, PatientReply
from simulator.patient.prompt import build_messages
from simulator.patient.realiser import Realiser, shown_part
from simulator.patient.reply_checks import ReplyContext, reply_problems
from simulator.practice.loading import ready
from simulator.practice.session import Session
from simulator.settings import PatientSettings
from simulator.storage.events import PatientTurn
from simulator.storage.transcript import read_transcript


class Scripted:
    """A backend that says what it is told to, in order, streaming word by word, and keeps every prompt."""

    name = "fake: scripted"

    def __init__(self, *outputs: str) -> None:
        self.outputs = list(outputs)
        self.prompts: list[list[Message]] = []

    def warm(self, messages: list[Message]) -> None:
        self.prompts.append(messages)

    def generate(self, messages: list[Message], *, seed: int, max_new_tokens: int,
                 on_text: OnText | None = None) -> str:
        self.prompts.append(messages)
        text = self.outputs.pop(0) if self.outputs else "I suppose so, yes."
        return streamed(text, on_text)


# --- the local backend ------------------------------------------------------------------------------

CHAT = [{"role": "system", "content": "You reword a patient's lines."},
        {"role": "user", "content": "Nurse: What matters most to you?"}]


def test_local_backend_is_reproducible_for_a_seed(tiny: Path) -> None:
    from simulator.patient.backends.local import LocalBackend

    first = LocalBackend(tiny).generate(CHAT, seed=3, max_new_tokens=12)
    assert first == LocalBackend(tiny).generate(CHAT, seed=3, max_new_tokens=12)
    assert first  # a random model still says something


def test_the_cache_is_reused_and_gives_what_a_fresh_model_gives(tiny: Path) -> None:
    from simulator.patient.backends.local import LocalBackend

    warm = LocalBackend(tiny)
    said = warm.generate(CHAT, seed=1, max_new_tokens=8)
    longer = [*CHAT, {"role": "assistant", "content": said}, {"role": "user", "content": "Nurse: Tell me more."}]
    from_cache = warm.generate(longer, seed=2, max_new_tokens=8)
    # The first exchange came from the cache; only what follows it was read afresh.
    assert warm.reused >= len(warm.prompt_ids(CHAT)) - 1
    assert warm.reused + warm.prefilled == len(warm.prompt_ids(longer))
    assert from_cache == LocalBackend(tiny).generate(longer, seed=2, max_new_tokens=8)
    # A prompt that differs early (a rejected reply replaced by the authored line) still comes out right.
    edited = [CHAT[0], {"role": "user", "content": "Nurse: Something else entirely?"}]
    assert warm.generate(edited, seed=4, max_new_tokens=8) == LocalBackend(tiny).generate(edited, seed=4,
                                                                                        max_new_tokens=8)


def test_a_gguf_file_plays_like_its_model_folder(tiny: Path, tiny_gguf: Path) -> None:
    from simulator.patient.backends.local import LocalBackend

    from_gguf = LocalBackend(tiny_gguf)
    assert from_gguf.name == "local: tiny.gguf"
    assert from_gguf.generate(CHAT, seed=1, max_new_tokens=10) == LocalBackend(tiny).generate(CHAT, seed=1,
                                                                                             max_new_tokens=10)


def test_one_backend_used_from_two_threads_gives_what_one_thread_gives(tiny: Path) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from simulator.patient.backends.local import LocalBackend

    alone = LocalBackend(tiny).generate(CHAT, seed=7, max_new_tokens=12)
    shared = LocalBackend(tiny)
    other = [CHAT[0], {"role": "user", "content": "Nurse: Something quite different, about the weather?"}]
    with ThreadPoolExecutor(4) as pool:
        runs = [pool.submit(shared.generate, CHAT if i % 2 == 0 else other, seed=7, max_new_tokens=12)
                for i in range(8)]
        warming = pool.submit(shared.warm, other)
    warming.result()
    assert [run.result() for run in runs[::2]] == [alone] * 4


def test_the_realiser_knows_which_scenario_it_prepared_for(taxi: ScenarioFile) -> None:
    from simulator.content.scenario_loader import resolve

    realiser = Realiser(Scripted())
    assert not realiser.prepared_for(taxi.scenario)
    realiser.prepare(taxi.scenario)
    assert realiser.prepared_for(taxi.scenario)
    assert not realiser.prepared_for(resolve("p2-widow-copd").scenario)


def test_generation_stops_when_told(tiny: Path) -> None:
    from simulator.patient.backends.local import LocalBackend

    seen: list[str] = []
    LocalBackend(tiny).generate(CHAT, seed=0, max_new_tokens=30, on_text=lambda text: seen.append(text) or False)
    assert len(seen) == 1


def test_a_missing_model_says_how_to_get_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SIMULATOR_MODEL_DIR", str(tmp_path / "models"))
    with pytest.raises(BackendUnavailable, match="simulator models pull"):
        open_backend(PatientSettings(backend="local"))
    with pytest.raises(BackendUnavailable, match="needs a url"):
        open_backend(PatientSettings(backend="remote"))
    assert open_backend(PatientSettings()) is None  # scripted


# --- the prompt never holds what the patient has not disclosed ---------------------------------------

@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_unreleased_hidden_facts_never_reach_the_prompt(path: Path, tmp_path: Path) -> None:
    scenario_file = load_scenario(path)
    backend = Scripted()
    realiser = Realiser(backend)
    realiser.prepare(scenario_file.scenario)  # as the app does while the trainee reads the letter
    backend.prompts.clear()  # the prompt's fixed start: the profile, no facts at all
    told: list[list[str]] = []
    seen_released: list[set[str]] = []
    original_generate, original_realise = backend.generate, realiser.realise

    def realising(*args: object, **kwargs: object) -> object:
        told.append(list(kwargs["released"]))  # type: ignore[call-overload]
        return original_realise(*args, **kwargs)  # type: ignore[arg-type]

    def recording(messages: list[Message], **kwargs: object) -> str:
        seen_released.append(set(told[-1]))
        return original_generate(messages, **kwargs)  # type: ignore[arg-type]

    backend.generate = recording  # type: ignore[method-assign]
    realiser.realise = realising  # type: ignore[method-assign]
    session = Session.start(scenario_file, seed=0, directory=tmp_path, voice=ready(realiser))
    for line in script("person-centred.txt") + script("checklist.txt"):
        session.say(line)
        # What the model was told is released is exactly what the saved transcript has released so far.
        saved = {fact for e in session.events if isinstance(e, PatientTurn) for fact in e.released}
        assert set(told[-1]) == saved
    assert backend.prompts
    for prompt, released in zip(backend.prompts, seen_released, strict=True):
        text = "\n".join(message["content"] for message in prompt)
        for fact in scenario_file.scenario.hidden_facts:
            if fact.id not in released:
                assert fact.text.strip() not in text and fact.summary not in text, (fact.id, text)


def test_the_prompt_holds_profile_intent_line_and_recent_conversation(taxi: ScenarioFile) -> None:
    from simulator.patient.prompt import Exchange

    messages = build_messages(taxi.scenario, released=["nights"], recent=[Exchange("Nurse", "How are nights?")],
                              intent=Intent.RESIST, line="Yeah, I've heard all that before.")
    text = "\n".join(m["content"] for m in messages)
    assert "Gary Marsh, 52" in text and "How are nights?" in text
    assert "pushes back" in text and "Yeah, I've heard all that before." in text


# --- checks ------------------------------------------------------------------------------------------

AUTHORED = "It's the stairs mostly. I have to stop halfway and hold the banister."


@pytest.mark.parametrize(("reply", "why"), [
    ("As an AI language model, I can't do that.", "model"),
    ("I'm your nurse today, how can I help?", "clinician"),
    ("Nurse: How are the stairs?", "label"),
    ("(sighs) The stairs, mostly.", "stage directions"),
    ("The stairs, mostly. I stop halfway, and I miss the choir.", "not disclosed"),
    ("The stairs, mostly, so my friend Susan holds the banister for me.", "names or numbers"),
    ("Stairs are hard for people. Halfway up, everyone stops.", "first person"),
    ("I like the seaside in summer and my cat.", "meant"),
    ("It's never the stairs. I don't stop halfway or hold the banister.", "opposite"),
    (" ".join(["I stop halfway up the stairs and hold the banister"] + [f"and step {n}" for n in range(12)]),
     "too long"),
    ("Mostly the stairs.\x1b]52;c;ZXZpbA==\x07 I stop halfway and hold the banister.", "U+001B (ESCAPE)"),
    ("Mostly the \u202estairs\u202c. I stop halfway and hold the banister.", "RIGHT-TO-LEFT OVERRIDE"),
])
def test_a_bad_rewording_is_refused(reply: str, why: str) -> None:
    context = ReplyContext(authored=AUTHORED, secret_words=frozenset({"choir"}))
    problems = reply_problems(reply, context)
    assert any(why in problem for problem in problems), problems


def test_a_faithful_rewording_passes_and_a_repeat_does_not() -> None:
    reply = "Mostly it's the stairs. I have to stop halfway up and hold on to the banister."
    assert reply_problems(reply, ReplyContext(authored=AUTHORED)) == []
    again = ReplyContext(authored=AUTHORED, earlier=(reply,))
    assert "repeats an earlier reply" in reply_problems(reply, again)


def test_only_whole_words_are_shown_while_streaming() -> None:
    assert shown_part("I sang in the cho") == "I sang in the"
    assert shown_part("I sang ") == "I sang"


# --- the realiser: generated, retried, authored -------------------------------------------------------

REPLY = PatientReply("I know I should, but it makes me breathless.", Intent.RESIST)


def _realise(taxi: ScenarioFile, backend: Scripted, shown: list[str] | None = None):  # noqa: ANN202
    return Realiser(backend).realise(taxi.scenario, REPLY, released=[], recent=[], earlier=[], seed=5,
                                     on_show=shown.append if shown is not None else None)


def test_a_good_first_try_is_used(taxi: ScenarioFile) -> None:
    said = _realise(taxi, Scripted("I know I should, it just makes me breathless."))
    assert (said.how, said.seed, said.rejected) == ("generated", 5, ())


def test_a_failed_try_is_retried_then_the_authored_line_is_used(taxi: ScenarioFile) -> None:
    shown: list[str] = []
    said = _realise(taxi, Scripted("As an AI I cannot.", "I know I should. It makes me so breathless."), shown)
    assert said.how == "retried" and said.seed == 6 and "model" in said.rejected[0]
    assert "" in shown and shown[-1] == said.text  # the refused try was taken back before the retry
    said = _realise(taxi, Scripted("As an AI I cannot.", "Nurse: you should walk."), shown)
    assert said.how == "authored" and said.text == REPLY.text and len(said.rejected) == 2
    assert shown[-1] == REPLY.text
    assert not any("AI" in text for text in shown)  # a refused try is stopped before it is shown


def test_a_server_that_goes_away_leaves_the_authored_line(taxi: ScenarioFile) -> None:
    class Gone(Scripted):
        def generate(self, *args: object, **kwargs: object) -> str:
            raise BackendUnavailable("cannot reach http://127.0.0.1:9/v1")

    said = _realise(taxi, Gone())
    assert said.how == "authored" and "cannot reach" in said.rejected[0]

    class Broken(Scripted):
        def generate(self, *args: object, **kwargs: object) -> str:
            raise RuntimeError("out of memory")

    said = _realise(taxi, Broken())
    assert said.how == "authored" and said.rejected == ("the model failed: RuntimeError: out of memory",)


def test_the_transcript_records_how_each_reply_came_about(taxi: ScenarioFile, tmp_path: Path) -> None:
    session = Session.start(taxi, seed=2, directory=tmp_path,
                            voice=ready(Realiser(Scripted("Nurse: hello", "Mostly, yeah. Nights."))))
    session.say("Are you still driving nights?")
    session.close()
    reply = [e for e in read_transcript(session.path).events if isinstance(e, PatientTurn)][-1]
    assert reply.source == "retried"
    assert reply.meta["backend"] == "fake: scripted" and reply.meta["seed"].isdigit()
    assert reply.meta["authored"] and "label" in reply.meta["rejected_1"]
    resumed = Session.resume(session.path)  # a reworded reply is not a changed scenario
    assert "differ" not in resumed.events[-1].detail  # type: ignore[union-attr]


# --- the remote backend, against a server on this machine ---------------------------------------------

class _Chat(BaseHTTPRequestHandler):
    received: list[dict[str, object]] = []

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        _Chat.received.append(body)
        if body["model"] == "broken":
            self.send_error(500, "model crashed")
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        self.wfile.write(b'data: {"choices":[{"delta":{"role":"assistant"}}]}\n\n')
        for piece in ["Mostly, ", "yeah. ", "Nights."]:
            chunk = {"choices": [{"delta": {"content": piece}}]}
            self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
        self.wfile.write(b"data: [DONE]\n\n")

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Chat)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/v1"
    httpd.shutdown()


def test_remote_backend_streams_from_an_openai_compatible_server(server: str) -> None:
    pieces: list[str] = []
    text = RemoteBackend(server, "patient-model").generate(CHAT, seed=9, max_new_tokens=20,
                                                          on_text=lambda t: pieces.append(t) or True)
    assert text == "Mostly, yeah. Nights." and pieces == ["Mostly, ", "Mostly, yeah. ", text]
    sent = _Chat.received[-1]
    assert sent["messages"] == CHAT and sent["seed"] == 9 and sent["stream"] is True


def test_remote_failures_are_messages(server: str) -> None:
    with pytest.raises(BackendUnavailable, match="500"):
        RemoteBackend(server, "broken").generate(CHAT, seed=0, max_new_tokens=5)
    with pytest.raises(BackendUnavailable, match="cannot reach"):
        RemoteBackend("http://127.0.0.1:9/v1", "x").generate(CHAT, seed=0, max_new_tokens=5)


# --- the real embedded model, when it is installed -----------------------------------------------------

def test_the_embedded_model_plays_without_leaking(tmp_path: Path) -> None:
    from simulator.patient.model_store import locate
    from simulator.settings import DEFAULT_MODEL

    if locate(DEFAULT_MODEL) is None:
        pytest.skip("the embedded model is not installed (simulator models pull)")
    backend = open_backend(PatientSettings(backend="local"))
    scenario_file = load_scenario(SHIPPED[0])
    session = Session.start(scenario_file, seed=0, directory=tmp_path, voice=ready(Realiser(backend)))
    for line in script("person-centred.txt")[:4]:
        session.say(line)
    replies = [e for e in session.events if isinstance(e, PatientTurn)][1:]
    assert all(e.source in {"generated", "retried", "authored"} for e in replies)
    assert all(e.meta["backend"].startswith("local:") for e in replies)
