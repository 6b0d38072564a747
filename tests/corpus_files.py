"""Writing small input files inside a test: shared by the loader and fuzz suites."""

import json
from pathlib import Path

# The contract's key lists, written out here from CONTRACT.md rather than imported from the loader,
# so the tests check the code against the contract.
TURN_LIST_KEYS = ["dialogue", "dialog", "conversation", "conversations", "messages", "turns",
                  "utterances", "exchanges"]
SPEAKER_KEYS = ["speaker", "role", "from", "interlocutor", "author", "participant"]
TEXT_KEYS = ["text", "content", "value", "utterance", "utterance_text", "message"]
ORDER_KEYS = ["utterance_id", "turn", "turn_id", "index", "order"]
SESSION_ID_KEYS = ["session_id", "id", "conversation_id", "transcript_id"]


def write(directory, name, content):
    """Write str, bytes, or (anything else) JSON to directory/name; return the path."""
    path = Path(directory) / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path.write_text(json.dumps(content), encoding="utf-8")
    return path
