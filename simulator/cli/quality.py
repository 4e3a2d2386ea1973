"""Command-line work for calibration and quality assurance: import, code, score, calibrate."""

import json
import sys
from collections.abc import Iterator
from pathlib import Path

from simulator.coding.annomi import LABELS, to_annomi
from simulator.coding.coder import Coder, RuleCoder, coder_named
from simulator.errors import CoderUnavailable
from simulator.quality.annomi_import import import_annomi
from simulator.scoring.scored_transcript import code_transcript, score_transcript
from simulator.storage.transcript import TraineeTurn, TranscriptRead, read_transcript, transcript_files


def transcripts(paths: list[Path]) -> Iterator[TranscriptRead]:
    """Every readable transcript under `paths` (files or folders); unreadable ones are reported and skipped."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files += transcript_files(path)
        elif path.is_file():
            files.append(path)
        else:
            print(f"warning: {path}: no such file or folder; skipped", file=sys.stderr)
    for index, file in enumerate(files, start=1):
        read = read_transcript(file)
        for problem in read.problems:
            print(f"warning: {problem}", file=sys.stderr)
        if not read.usable:
            continue
        if len(files) >= 20 and (index % 10 == 0 or index == len(files)):
            print(f"{index}/{len(files)} transcripts", file=sys.stderr, flush=True)
        yield read


def pick_coder(name: str) -> Coder:
    """The named coder; where the learned one cannot load, the rule-based one, with a note saying why."""
    try:
        return coder_named(name)
    except CoderUnavailable as why:
        print(f"note: using the rule-based coder: {why}", file=sys.stderr)
        return RuleCoder()


def run_import(source: str, csv_path: Path, out: Path, coder_name: str) -> int:
    """`simulator import annomi FILE --out DIR [--coder ...]`."""
    written = import_annomi(csv_path, out, coder=None if coder_name == "none" else pick_coder(coder_name))
    print(f"wrote {len(written)} transcripts to {out}", file=sys.stderr)
    return 0


def run_code(paths: list[Path], scheme: str, coder_name: str) -> int:
    """`simulator code PATH... --scheme annomi|product --jsonl`."""
    coder = pick_coder(coder_name)
    for read in transcripts(paths):
        trainee = [e for e in read.events if isinstance(e, TraineeTurn)]
        for turn, coding in zip(trainee, code_transcript(read, coder), strict=True):
            record: dict[str, object] = {"transcript_id": read.transcript_id,
                                         "utterance_id": turn.meta.get("utterance_id", str(turn.turn))}
            if scheme == "annomi":
                record |= to_annomi(coding.codes)
            else:
                record["codes"] = sorted(code.value for code in coding.codes)
            print(json.dumps(record))
    return 0


def run_score(paths: list[Path], rubric_path: Path | None, coder_name: str, as_json: bool) -> int:
    """`simulator score PATH... [--json]`."""
    from simulator.content.rubric_loader import BUILTIN, load_rubric

    rubric = load_rubric(rubric_path or BUILTIN)
    coder = pick_coder(coder_name)
    for read in transcripts(paths):
        scored = score_transcript(read, rubric, coder)
        result = scored.score
        if as_json:
            print(json.dumps({
                "transcript_id": scored.transcript_id,
                "overall": result.overall,
                "behaviours": {b.id: {"level": b.level, "rationale": b.rationale,
                                      "evidence": [{"turn": e.turn, "words": e.words} for e in b.evidence]}
                               for b in result.behaviours},
                "miti": {
                    "reflection_question_ratio": result.miti.reflection_question_ratio,
                    "percent_complex_reflections": result.miti.percent_complex_reflections,
                    "percent_open_questions": result.miti.percent_open_questions,
                    "clinician_talk_share": result.miti.clinician_talk_share,
                    "empathy_estimate": result.miti.empathy_estimate,
                    "partnership_estimate": result.miti.partnership_estimate,
                    "relational_estimate": result.miti.relational_estimate,
                    "relational_method": result.miti.relational_method,
                    "counts": {k: v for k, v in result.miti.counts.items() if v},
                },
                "rubric": {"id": result.rubric_id, "version": result.rubric_version, "sha256": scored.rubric_hash},
                "coder": result.coder_version,
            }))
        else:
            print(f"{scored.transcript_id}: overall {result.overall:.1f}, relational "
                  f"{result.miti.relational_estimate:.2f}, " +
                  " ".join(f"{b.id}={b.level}" for b in result.behaviours))
    return 0


def run_calibrate(paths: list[Path], coder_name: str) -> int:
    """`simulator calibrate PATH...`: the engine's codes against the human codes stored in transcripts."""
    from simulator.quality.calibration import agreement

    coder = pick_coder(coder_name)
    human: dict[str, list[str]] = {"label": [], "question": [], "reflection": []}
    engine: dict[str, list[str]] = {"label": [], "question": [], "reflection": []}
    for read in transcripts(paths):
        trainee = [e for e in read.events if isinstance(e, TraineeTurn)]
        for turn, coding in zip(trainee, code_transcript(read, coder), strict=True):
            gold = turn.meta.get("main_therapist_behaviour")
            if gold not in LABELS:
                continue
            mine = to_annomi(coding.codes)
            human["label"].append(gold)
            engine["label"].append(str(mine["label"]))
            for sub, field in (("question", "question_subtype"), ("reflection", "reflection_subtype")):
                if gold == sub and turn.meta.get(field) not in (None, "", "n/a"):
                    human[sub].append(turn.meta[field])
                    engine[sub].append(str(mine[sub] or "none"))
    if not human["label"]:
        print("No human codes found in these transcripts (import some with `simulator import annomi`).",
              file=sys.stderr)
        return 1
    print(f"coder: {coder.version}")
    sets = (("Main behaviour", "label", list(LABELS)), ("Question open/closed", "question", ["open", "closed"]),
            ("Reflection simple/complex", "reflection", ["simple", "complex"]))
    for title, key, labels in sets:
        # A subtype the engine did not give (it coded another behaviour) shows as "none".
        shown = labels if key == "label" else [*labels, "none"]
        print()
        if not human[key]:
            print(f"{title}: no human codes in these transcripts (the AnnoMI full file has them)")
            continue
        print("\n".join(agreement(title, human[key], engine[key], shown).lines()))
    return 0
