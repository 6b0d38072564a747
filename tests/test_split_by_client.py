"""`split_by: client`: every session of one client in one split, near the ratios, deterministic.

The client is the session's `client_id` / `patient_id` field or column; a session without one is its
own client. The manifest lists clients per split as keyed pseudonyms, and the validator checks them
against the sessions each split really holds.
"""

import json
import random
import shutil
from collections import Counter

import pytest
from corpus_files import write
from datasets import load_from_disk

import validate_processing
from therapy_data_processor import MANIFEST, ProcessingConfig, TherapyDataProcessor
from therapy_pipeline.chunking import Chunk
from therapy_pipeline.loaders import load_corpus
from therapy_pipeline.model import CLIENT, THERAPIST, Turn
from therapy_pipeline.planning import PlanRules, plan_examples
from therapy_pipeline.splitting import SPLITS

RATIOS = {"train": 0.8, "validation": 0.1, "test": 0.1}


def test_client_ids_are_read_from_every_structure_that_has_session_fields(tmp_path):
    turns = [{"speaker": "Therapist", "text": "Hello."}, {"speaker": "Client", "text": "Hi."}]
    write(tmp_path, "object.json", {"session_id": "a", "client_id": "C-1", "dialogue": turns})
    write(tmp_path, "nested.json", {"patient_id": 77, "session": {"session_id": "b", "dialogue": turns}})
    write(tmp_path, "many.json", {"sessions": [{"id": "c", "client_id": "C-1", "messages": turns},
                                               {"id": "d", "messages": turns}]})
    write(tmp_path, "transcript.json", {"session_id": "e", "patient_id": "P-9", "transcript": "Therapist: Hi.\nClient: Hey."})
    write(tmp_path, "lines.jsonl", "".join(json.dumps({"session_id": "f", "client_id": cid, **t}) + "\n"
                                           for cid, t in zip(["C-2", "C-3"], turns)))
    write(tmp_path, "rows.csv", "session_id,patient_id,speaker,text\ng,,Therapist,Hello.\ng,P-4,Client,Hi.\n"
                                "h,P-4,Therapist,Again.\n")
    write(tmp_path, "plain.txt", "Therapist: Hello.\nClient: Hi.\n")
    result = load_corpus(tmp_path)
    clients = {s.session_id: s.client_id for s in result.sessions}
    # A row-per-turn session's client is the first its rows name.
    assert clients == {"a": "C-1", "b": "77", "c": "C-1", "d": None, "e": "P-9", "f": "C-2", "g": "P-4",
                       "h": "P-4", "plain": None}


def chunks_of(clients_sessions: dict[str, list[int]]) -> tuple[list[Chunk], dict[str, str]]:
    """Sessions `<client>-<k>` with the given numbers of therapist targets each."""
    chunks, clients = [], {}
    for client, targets in clients_sessions.items():
        for k, n in enumerate(targets):
            session = f"{client}-{k}"
            turns = [Turn(CLIENT if i % 2 == 0 else THERAPIST, f"turn {i} of {session}") for i in range(2 * n)]
            chunks.append(Chunk(session, 0, 0, turns, 0))
            clients[session] = client
    return chunks, clients


def planned_splits(tmp_path, chunks, clients, split_by="client", seed=42):
    work = tmp_path / f"work-{seed}-{split_by}"
    work.mkdir(exist_ok=True)
    return plan_examples(chunks, PlanRules("sliding_window", 2, 1, 200), split_by, RATIOS, seed, work, clients).split_of


def test_every_session_of_a_client_is_in_its_client_split_and_targets_land_near_the_ratios(tmp_path):
    rng = random.Random(3)
    spec = {f"client{c:03d}": [rng.randint(3, 40) for _ in range(rng.randint(1, 12))] for c in range(300)}
    chunks, clients = chunks_of(spec)
    split_of = planned_splits(tmp_path, chunks, clients)
    for client in spec:
        assert len({split_of[s] for s, c in clients.items() if c == client}) == 1, client
    targets = Counter()
    for chunk in chunks:
        targets[split_of[chunk.session_id]] += len(chunk.turns) // 2
    total = sum(targets.values())
    for name in SPLITS:
        assert abs(targets[name] / total - RATIOS[name]) < 0.01, (name, targets)
    # the seed decides, and repeats
    assert planned_splits(tmp_path, chunks, clients, seed=42) == split_of
    assert planned_splits(tmp_path, chunks, clients, seed=7) != split_of


def test_by_session_the_same_clients_are_spread_across_splits(tmp_path):
    """What split_by client prevents: by session, a client's later sessions land in test."""
    rng = random.Random(3)
    spec = {f"client{c:03d}": [rng.randint(3, 40) for _ in range(8)] for c in range(50)}
    chunks, clients = chunks_of(spec)
    split_of = planned_splits(tmp_path, chunks, clients, split_by="session")
    spread = sum(len({split_of[s] for s, c in clients.items() if c == client}) > 1 for client in spec)
    assert spread > 25


def test_sessions_without_a_client_are_their_own_client(tmp_path):
    chunks, clients = chunks_of({"solo": [5] * 30, "client": [5] * 30})
    del clients["solo-0"]  # no client id: may go anywhere, alone
    clients = {s: c for s, c in clients.items() if not s.startswith("solo")}
    split_of = planned_splits(tmp_path, chunks, clients)
    assert len({split_of[s] for s in clients}) == 1  # the one client, together
    assert len({split_of[f"solo-{k}"] for k in range(30)}) == 3  # thirty clients of one session each


# --- through the pipeline and the validator ------------------------------------------------------------

WORDS = ["sleep", "work", "sister", "anger", "skill", "diary", "urge", "breath", "week", "night", "phone", "mother", "school", "court", "money", "shift", "friend", "fear", "calm", "walk", "pills", "rent", "car", "dog", "exam", "rain", "bus", "boss", "coffee", "letter", "garden", "song"]


def write_corpus(root, clients=24, seed=5):
    """`clients` fictional clients with 1-6 sessions each, in two structures."""
    rng = random.Random(seed)
    for c in range(clients):
        for k in range(rng.randint(1, 6)):
            turns = []
            for i in range(rng.randint(6, 14)):
                who = "Therapist" if i % 2 else "Client"
                words = " ".join(rng.choice(WORDS) for _ in range(rng.randint(6, 14)))
                turns.append({"speaker": who, "text": f"{words.capitalize()}, on visit {k}."})
            if k % 2:
                write(root, f"c{c:02d}/v{k}.json", {"session_id": f"c{c:02d}-v{k}", "client_id": f"MRN-{c:04d}",
                                                    "dialogue": turns})
            else:
                write(root, f"c{c:02d}/v{k}.jsonl", "".join(
                    json.dumps({"session_id": f"c{c:02d}-v{k}", "patient_id": f"MRN-{c:04d}", "turn": i, **t}) + "\n"
                    for i, t in enumerate(turns)))
    write(root, "walk_in.json", {"session_id": "walk-in", "dialogue": [
        {"speaker": "Therapist", "text": "Welcome, what brings you here today?"},
        {"speaker": "Client", "text": "A friend said to come."},
        {"speaker": "Therapist", "text": "I am glad you came; let us start with the week."}]})


@pytest.mark.parametrize("deidentify", ["surrogate", "off"])
def test_the_pipeline_keeps_clients_apart_and_the_manifest_names_them_by_pseudonym(
    tmp_path, tokenizer_cache, capsys, deidentify
):
    write_corpus(tmp_path / "in")
    config = ProcessingConfig.from_dict({
        "input_data_dir": str(tmp_path / "in"), "output_dir": str(tmp_path / "out"), "cache_dir": tokenizer_cache,
        "deid_key_file": str(tmp_path / "deid.key"), "split_by": "client", "deidentify": deidentify})
    manifest = TherapyDataProcessor(config).run()
    text = (tmp_path / "out" / MANIFEST).read_text()
    assert "MRN-" not in text
    listed = manifest["clients"]
    assert sum(len(listed[name]) for name in SPLITS) == 24
    assert manifest["counts"]["clients"] == {name: len(listed[name]) for name in SPLITS}
    assert manifest["counts"]["sessions_without_client_id"] == 1  # the walk-in
    dataset = load_from_disk(str(tmp_path / "out"))
    for name in SPLITS:
        held = set(dataset[name]["session_id"])
        for sessions in listed[name].values():
            assert set(sessions) <= held
    assert len({c for name in SPLITS for c in listed[name]}) == 24  # no client in two splits

    declared = ["--corpus-deidentified"] if deidentify == "off" else []
    code = validate_processing.main(["--output-dir", str(tmp_path / "out"), "--json", "--train-steps", "4", *declared])
    report = json.loads(capsys.readouterr().out)
    checks = {c["name"]: c for c in report["checks"]}
    assert code == 0, [c for c in report["checks"] if not c["passed"]]
    assert checks["no_client_leak"]["evidence"].startswith("24 clients, each in one split")

    # The same run again: byte-identical dataset and the same clients.
    again = TherapyDataProcessor(config).run()
    assert again["clients"] == listed and again["splits"] == manifest["splits"]


def test_the_validator_fails_a_client_in_two_splits(tmp_path, tokenizer_cache, capsys):
    write_corpus(tmp_path / "in")
    config = ProcessingConfig.from_dict({
        "input_data_dir": str(tmp_path / "in"), "output_dir": str(tmp_path / "out"), "cache_dir": tokenizer_cache,
        "deid_key_file": str(tmp_path / "deid.key"), "split_by": "client"})
    manifest = TherapyDataProcessor(config).run()
    # The manifest as a by-session run would have left it: one train client's session moved to test.
    train_client, sessions = next((c, s) for c, s in manifest["clients"]["train"].items() if len(s) > 1)
    broken = tmp_path / "broken"
    shutil.copytree(tmp_path / "out", broken)
    moved = json.loads((broken / MANIFEST).read_text())
    moved["clients"]["test"][train_client] = [sessions[0]]
    moved["clients"]["train"][train_client] = sessions[1:]
    (broken / MANIFEST).write_text(json.dumps(moved))
    assert validate_processing.main(["--output-dir", str(broken), "--json", "--train-steps", "4"]) == 1
    check = next(c for c in json.loads(capsys.readouterr().out)["checks"] if c["name"] == "no_client_leak")
    assert not check["passed"]
    assert check["evidence"] == ("1 clients are listed in more than one split; 1 sessions of a client are in a "
                                 "split other than their client's; 1 sessions the manifest lists are not in their split")


def test_the_length_analysis_counts_clients_and_their_sessions(tmp_path, tokenizer_cache, capsys):
    import simple_length_analysis

    write_corpus(tmp_path / "in")
    assert simple_length_analysis.main([
        "--input-dir", str(tmp_path / "in"), "--output-dir", str(tmp_path / "out"), "--json",
        "--set", f"cache_dir={tokenizer_cache}", "--set", "deidentify=off"]) == 0
    clients = json.loads(capsys.readouterr().out)["clients"]
    sessions = sum(1 for _ in (tmp_path / "in").rglob("v*.json*"))
    assert clients["clients"] == 24 and clients["sessions_with_client_id"] == sessions
    assert clients["sessions_without_client_id"] == 1
    assert clients["sessions_per_client"]["max"] <= 6
