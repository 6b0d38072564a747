"""Units and engines: the output does not depend on how the corpus is cut into units, nor on which
engine runs them (local, or Ray Data on a local 2-CPU instance), and a worker that dies fails the run
leaving the previous output as it was.

The Ray tests need `pip install -r requirements-ray.txt`; without it they are skipped, saying so
(CI sets RAY_REQUIRED=1: there they fail instead)."""

import hashlib
import json
import os
import random
from pathlib import Path

import pytest
from corpus_files import write
from datasets import load_from_disk

import therapy_data_processor
from therapy_data_processor import MANIFEST, TherapyDataProcessor
from therapy_pipeline.config import ConfigError, ProcessingConfig
from therapy_pipeline.engines import EngineError, ray_available
from therapy_pipeline.units import make_units

WORDS = ["feel", "stuck", "again", "today", "because", "work", "keeps", "piling", "up", "and", "my", "mind",
         "races", "at", "night", "so", "I", "lie", "awake", "thinking", "about", "everything", "said", "wrong",
         "which", "makes", "the", "morning", "harder", "then", "skip", "breakfast", "we", "could", "try", "a",
         "skill", "together", "when", "that", "happens", "notice", "thought", "name", "feeling", "breathe"]
PHI = ["my sister Maria Delgado called", "you can reach me at 503-555-0142", "I was born on March 3rd 1979",
       "we moved to 42 Alder Street", "my doctor is Dr. Okafor at Riverside Clinic", "email jdoe77@example.org"]

needs_ray = pytest.mark.skipif(
    not ray_available() and os.environ.get("RAY_REQUIRED") != "1",
    reason="Ray is not installed (pip install -r requirements-ray.txt)",
)


def turns(rng: random.Random, n: int) -> list[tuple[str, str]]:
    out = []
    for k in range(n):
        text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(4, 18)))
        if rng.random() < 0.15:
            text += ", " + rng.choice(PHI)
        out.append(("therapist" if k % 2 else "client", text.capitalize() + "."))
    return out


def write_corpus(root: Path, seed: int = 5) -> None:
    """One or more sessions in every input structure of the contract, a copy of a session under
    another name (dedupe), one id in two files for different sessions (renamed), clients with
    several sessions, and a bad file."""
    rng = random.Random(seed)

    def t(n):
        return turns(rng, n)

    def as_objects(ts):
        return [{"speaker": s, "text": x} for s, x in ts]

    write(root, "a_dialogue.json", {"session_id": "s-a", "client_id": "c1", "dialogue": as_objects(t(24))})
    write(root, "b_list.json", as_objects(t(17)))
    write(root, "c_many.json", {"sessions": [{"id": "s-c1", "patient_id": "c2", "messages": as_objects(t(30))},
                                             {"id": "s-c2", "patient_id": "c1", "messages": as_objects(t(12))}]})
    write(root, "d_transcript.json", {"session_id": "s-d", "transcript": "\n".join(
        f"{'Therapist' if s == 'therapist' else 'Client'}: {x}" for s, x in t(21))})
    write(root, "e_sessions.jsonl", "\n".join(json.dumps({"session_id": f"s-e{i}", "client_id": "c3",
                                                          "turns": as_objects(t(14 + i))}) for i in range(3)))
    write(root, "f_turns.jsonl", "\n".join(json.dumps({"session_id": f"s-f{i % 2}", "speaker": s, "text": x})
                                           for i, (s, x) in enumerate(t(40))))
    rows = ["session_id,speaker,text"] + [f's-g,{s},"{x}"' for s, x in t(33)]
    write(root, "g_turns.csv", "\n".join(rows) + "\n")
    write(root, "h_notes.txt", "\n".join(f"{'Therapist' if s == 'therapist' else 'Client'}: {x}" for s, x in t(19)))
    cues = t(16)
    write(root, "i_call.vtt", "WEBVTT\n\n" + "\n\n".join(
        f"00:00:{k:02d}.000 --> 00:00:{k:02d}.900\n<v {'Therapist' if s == 'therapist' else 'Client'}>{x}</v>"
        for k, (s, x) in enumerate(cues)))
    write(root, "j_call.srt", "\n\n".join(
        f"{k + 1}\n00:00:{k:02d},000 --> 00:00:{k:02d},900\n{'Therapist' if s == 'therapist' else 'Client'}: {x}"
        for k, (s, x) in enumerate(t(15))) + "\n")
    write(root, "k_stt.json", {"segments": [{"start": k, "end": k + 1, "speaker": s.upper(), "text": x}
                                            for k, (s, x) in enumerate(t(18))]})
    original = t(26)
    write(root, "l_original.json", {"session_id": "s-l", "dialogue": as_objects(original)})
    write(root, "z/m_copy.json", {"session_id": "s-l-export", "dialogue": as_objects(original[:-1])})
    write(root, "z/n_same_id.json", {"session_id": "s-a", "dialogue": as_objects(t(20))})  # another s-a
    write(root, "z/o_broken.json", "{ not json")


def processor_config(tmp_path: Path, cache: str, out: str, **overrides) -> ProcessingConfig:
    values = {"input_data_dir": str(tmp_path / "in"), "output_dir": str(tmp_path / out), "cache_dir": cache,
              "deid_key_file": str(Path(cache) / "deid.key"), "speaker_map": {"speaker_00": "client"}}
    values.update(overrides)
    return ProcessingConfig.from_dict(values)


def run(tmp_path: Path, cache: str, out: str, **overrides) -> tuple[dict, dict]:
    """Runs the pipeline; returns (the output's rows per split, the manifest without what may differ)."""
    manifest = TherapyDataProcessor(processor_config(tmp_path, cache, out, **overrides)).run()
    dataset = load_from_disk(str(tmp_path / out))
    tables = {name: (dataset[name].features.to_dict(), dataset[name].to_dict()) for name in dataset}
    manifest.pop("step_seconds")
    for key in ("output_dir", "engine", "unit_mb"):
        manifest["config"].pop(key)
    return tables, manifest


def tree_digest(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def test_units_are_whole_files_in_corpus_order_cut_by_size(tmp_path):
    sizes = [100, 300, 50, 700, 10, 10]
    files = [write(tmp_path, f"f{k}.txt", "x" * n) for k, n in enumerate(sizes)]
    units = make_units(files, tmp_path, 400)
    assert [u.files for u in units] == [("f0.txt", "f1.txt"), ("f2.txt",), ("f3.txt",), ("f4.txt", "f5.txt")]
    assert [u.index for u in units] == [0, 1, 2, 3]
    assert [u.files for u in make_units(files, tmp_path, 10**9)] == [tuple(f"f{k}.txt" for k in range(6))]


@pytest.mark.parametrize("overrides", [{}, {"split_by": "client", "example_format": "multi_turn"},
                                       {"deidentify": "off", "split_by": "example", "dedupe": "exact"}])
def test_the_output_does_not_depend_on_the_units(tmp_path, tokenizer_cache, overrides):
    write_corpus(tmp_path / "in")
    whole, whole_manifest = run(tmp_path, tokenizer_cache, "one-unit", **overrides)
    cut, cut_manifest = run(tmp_path, tokenizer_cache, "many-units", unit_mb=1e-6, **overrides)  # a unit a file
    assert cut == whole
    assert cut_manifest == whole_manifest
    counts = whole_manifest["counts"]
    assert counts["files"] == 15 and counts["files_skipped"] == 1
    assert counts["session_ids_renamed"] == 1
    assert counts["sessions_deduplicated"] == (1 if overrides.get("dedupe", "near") == "near" else 0)
    assert sum(counts["examples"].values()) >= 16 and counts["examples"]["test"] > 0


def test_engine_ray_without_ray_is_a_config_error_naming_the_file(monkeypatch, tmp_path):
    import therapy_pipeline.config as config_module

    monkeypatch.setattr(config_module, "ray_available", lambda: False)
    with pytest.raises(ConfigError, match="pip install -r requirements-ray.txt"):
        ProcessingConfig.from_dict({"engine": "ray"})
    with pytest.raises(ConfigError, match="engine: must be local or ray"):
        ProcessingConfig.from_dict({"engine": "spark"})


@pytest.fixture(scope="module")
def local_ray():
    """One local Ray instance for these tests: 2 CPUs, no dashboard (the engine joins it, and leaves
    it running)."""
    if not ray_available():
        pytest.fail("RAY_REQUIRED=1 but Ray is not installed")
    import ray

    ray.init(address="local", num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield ray
    ray.shutdown()


@needs_ray
def test_engine_ray_gives_the_local_output(tmp_path, tokenizer_cache, local_ray):
    write_corpus(tmp_path / "in")
    local, local_manifest = run(tmp_path, tokenizer_cache, "local", unit_mb=1e-6, split_by="client")
    on_ray, ray_manifest = run(tmp_path, tokenizer_cache, "ray", unit_mb=1e-6, split_by="client", engine="ray")
    assert on_ray == local
    assert ray_manifest == local_manifest
    assert ray_manifest["counts"]["phi_replaced"]["NAME"] > 0


@needs_ray
def test_a_killed_ray_worker_fails_the_run_and_leaves_the_previous_output(tmp_path, tokenizer_cache, local_ray,
                                                                          monkeypatch):
    """Killed in the last pass, when the staging folder holds the other units' examples."""
    step = "encode"
    write_corpus(tmp_path / "in")
    cfg = processor_config(tmp_path, tokenizer_cache, "out", unit_mb=1e-6, engine="ray")
    TherapyDataProcessor(processor_config(tmp_path, tokenizer_cache, "out", unit_mb=1e-6)).run()
    before = tree_digest(tmp_path / "out")
    settings = therapy_data_processor.unit_settings

    def killing(*args, **kwargs):  # the worker that takes unit 3 kills itself, at every attempt
        import dataclasses

        return dataclasses.replace(settings(*args, **kwargs), kill=(step, 3))

    monkeypatch.setattr(therapy_data_processor, "unit_settings", killing)
    with pytest.raises(EngineError, match=f"a worker died during the {step} pass"):
        TherapyDataProcessor(cfg).run()
    assert tree_digest(tmp_path / "out") == before
    assert json.loads((tmp_path / "out" / MANIFEST).read_text())["config"]["engine"] == "local"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no staging left behind


def test_a_workers_failure_is_named_in_one_line_and_bad_input_is_raised_as_on_one_machine():
    """What the Ray engine makes of a worker's exception, found inside Ray's wrappers (`cause`)."""
    from therapy_pipeline.engines import _cause, _failure
    from therapy_pipeline.model import InputError

    class Wrapper(Exception):  # as Ray's RayTaskError and Ray Data's wrappers hold the worker's exception
        def __init__(self, cause):
            super().__init__("wrapped")
            self.cause = cause

    class ActorDiedError(Exception):
        pass

    bad = InputError("a.json", "invalid JSON")
    assert _cause(Wrapper(Wrapper(bad))) is bad
    assert _failure("encode", ActorDiedError()) == (
        "engine ray: a worker died during the encode pass (ActorDiedError), after 3 attempts")
    assert _failure("scan", KeyError("x")) == "engine ray: the scan pass failed in a worker (KeyError): a bug, please report it"
