"""Command-line work for calibration and quality assurance: import, code, score, calibrate."""

import argparse
import json
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from simulator.cli import options
from simulator.cli.options import CODER_HELP, Choices, coder_names

# The rest of the core is imported when a command runs: `simulator` (the app) builds this group's parser too.
if TYPE_CHECKING:
    from simulator.coding.choice import CoderName
    from simulator.coding.coder import Coder
    from simulator.storage.transcript import TranscriptRead

# The subtypes AnnoMI codes questions and reflections with (what calibration compares).


def register(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    """Add this group's commands."""
    importer = commands.add_parser("import", help="import transcripts coded elsewhere (AnnoMI)")
    importer.add_argument("source", choices=["annomi"])
    importer.add_argument("file", type=Path, help="the AnnoMI CSV (simple or full)")
    importer.add_argument("--out", type=Path, required=True, help="folder to write transcripts into")
    importer.add_argument("--coder", choices=Choices(lambda: [*coder_names(), "none"]), metavar="CODER",
                          default="best", help=CODER_HELP + "; the engine's codes are kept beside the human ones (none: skip)")
    importer.set_defaults(handler=lambda a: run_import(a.source, a.file, a.out, a.coder))
    code = commands.add_parser("code", help="code every clinician utterance of transcripts")
    code.add_argument("paths", type=Path, nargs="+", help="transcript files or folders")
    code.add_argument("--scheme", choices=["annomi", "product"], default="product")
    code.add_argument("--jsonl", action="store_true", help="one JSON object per utterance (the only format)")
    options.add_coder_option(code, "the codes printed")
    code.set_defaults(handler=lambda a: run_code(a.paths, a.scheme, a.coder))

    scorer = commands.add_parser("score", help="score transcripts against a rubric")
    scorer.add_argument("paths", type=Path, nargs="+", help="transcript files or folders")
    scorer.add_argument("--rubric", type=Path, help="rubric file (default: rubrics/what-matters.yaml)")
    scorer.add_argument("--json", action="store_true", help="one JSON object per transcript")
    scorer.add_argument("--coder", choices=Choices(coder_names), metavar="CODER",
                        help="code the transcripts again with this coder (%(choices)s) and score that (labelled as recoded) "
                        "instead of the codes the patient reacted to")
    scorer.set_defaults(handler=lambda a: run_score(a.paths, a.rubric, a.coder, a.json))

    calibrate = commands.add_parser("calibrate", help="compare the engine's codes with human codes")
    calibrate.add_argument("paths", type=Path, nargs="+", help="transcript files or folders")
    options.add_coder_option(calibrate, "compared with the human codes")
    calibrate.set_defaults(handler=lambda a: run_calibrate(a.paths, a.coder))


def transcripts(paths: list[Path]) -> "Iterator[TranscriptRead]":
    """Every readable transcript under `paths` (files or folders); unreadable ones are reported and skipped."""
    from simulator.storage.transcript import read_transcript, transcript_files

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


def pick_coder(name: "CoderName") -> "Coder":
    """The coder `name` means, with a note on stderr when it is not the one asked for."""
    from simulator.coding.choice import choose

    chosen = choose(name)
    if chosen.note:
        print(f"note: {chosen.note}", file=sys.stderr)
    return chosen.coder


def run_import(source: str, csv_path: Path, out: Path, coder_name: "CoderName | Literal['none']") -> int:
    """`simulator import annomi FILE --out DIR [--coder ...]`."""
    from simulator.quality.annomi_import import import_annomi

    written = import_annomi(csv_path, out, coder=None if coder_name == "none" else pick_coder(coder_name))
    print(f"wrote {len(written)} transcripts to {out}", file=sys.stderr)
    return 0


def run_code(paths: list[Path], scheme: str, coder_name: "CoderName") -> int:
    """`simulator code PATH... --scheme annomi|product --jsonl`."""
    from simulator.coding.annomi import to_annomi
    from simulator.scoring.scored_transcript import code_transcript
    from simulator.storage.events import TraineeTurn

    coder = pick_coder(coder_name)
    for read in transcripts(paths):
        trainee = [e for e in read.events if isinstance(e, TraineeTurn)]
        for turn, coding in zip(trainee, code_transcript(read, coder), strict=True):
            record: dict[str, object] = {"transcript_id": read.transcript_id,
                                         "utterance_id": turn.meta.get("utterance_id", str(turn.turn))}
            if scheme == "annomi":
                record |= to_annomi(coding)
            else:
                record["codes"] = sorted(code.value for code in coding.codes)
                record["utterances"] = [{"text": part.text, "codes": sorted(code.value for code in part.codes)}
                                        for part in coding.parts]
            print(json.dumps(record))
    return 0


def run_score(paths: list[Path], rubric_path: Path | None, coder_name: "CoderName | None", as_json: bool) -> int:
    """`simulator score PATH... [--json] [--coder NAME]`: each transcript's own score (from the codes recorded
    on its turns, the ones the patient reacted to), or with --coder, a recoding, labelled as such."""
    from simulator.content.rubric_loader import BUILTIN, load_rubric
    from simulator.scoring.scored_transcript import score_recoded, score_recorded

    rubric = load_rubric(rubric_path or BUILTIN)
    coder = pick_coder(coder_name) if coder_name else None
    for read in transcripts(paths):
        scored = score_recoded(read, rubric, coder) if coder else score_recorded(read, rubric)
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


def run_calibrate(paths: list[Path], coder_name: "CoderName") -> int:
    """`simulator calibrate PATH...`: the engine's codes against the human codes stored in transcripts."""
    from simulator.coding.annomi import LABELS, SUBTYPES, to_annomi
    from simulator.quality.calibration import agreement
    from simulator.scoring.scored_transcript import code_transcript
    from simulator.storage.events import TraineeTurn

    coder = pick_coder(coder_name)
    human: dict[str, list[str]] = {"label": [], "question": [], "reflection": []}
    engine: dict[str, list[str]] = {"label": [], "question": [], "reflection": []}
    # Human codes outside AnnoMI's scheme cannot be compared: each kind is skipped and reported once, where
    # it was first seen, with how often.
    unknown: dict[tuple[str, str], tuple[str, int]] = {}

    def known(value: str | None, field: str, allowed: Sequence[str], where: str) -> bool:
        if value in (None, "", "n/a"):
            return False
        if value in allowed:
            return True
        first, seen = unknown.get((field, str(value)), (where, 0))
        unknown[(field, str(value))] = (first, seen + 1)
        return False

    for read in transcripts(paths):
        trainee = [e for e in read.events if isinstance(e, TraineeTurn)]
        for turn, coding in zip(trainee, code_transcript(read, coder), strict=True):
            where = f"{read.path}: utterance {turn.meta.get('utterance_id', turn.turn)}"
            gold = turn.meta.get("main_therapist_behaviour")
            if not known(gold, "main_therapist_behaviour", LABELS, where):
                continue
            mine = to_annomi(coding)
            human["label"].append(str(gold))
            engine["label"].append(str(mine["label"]))
            for sub, field in (("question", "question_subtype"), ("reflection", "reflection_subtype")):
                if gold == sub and known(turn.meta.get(field), field, SUBTYPES[sub], where):
                    human[sub].append(turn.meta[field])
                    engine[sub].append(str(mine[sub] or "none"))
    for (field, value), (where, seen) in unknown.items():
        times = f" ({seen} times)" if seen > 1 else ""
        print(f"warning: {where}: {field} {value!r} is not in AnnoMI's scheme; skipped{times}", file=sys.stderr)
    if not human["label"]:
        print("No human codes found in these transcripts (import some with `simulator import annomi`).",
              file=sys.stderr)
        return 1
    print(f"coder: {coder.version}")
    sets = (("Main behaviour", "label", list(LABELS)), ("Question open/closed", "question", SUBTYPES["question"]),
            ("Reflection simple/complex", "reflection", SUBTYPES["reflection"]))
    for title, key, labels in sets:
        # A subtype the engine did not give (it coded another behaviour) shows as "none".
        shown = labels if key == "label" else [*labels, "none"]
        print()
        if not human[key]:
            print(f"{title}: no human codes in these transcripts (the AnnoMI full file has them)")
            continue
        print("\n".join(agreement(title, human[key], engine[key], shown).lines()))
    return 0
