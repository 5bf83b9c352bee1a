"""A note an import adds to its report: English text, as the report's ``notes`` and its
JSON have always held, that also carries a key and values, so the command line words it
in the run's language (``layouts.cli_words``) instead of mixing English into a Chinese
report (issue 18)."""

from __future__ import annotations


class Note(str):
    """``str(note)`` is the English text; ``note.key`` and ``note.values`` let
    ``layouts.text.t`` word it in either language."""

    key: str
    values: dict[str, object]

    def __new__(cls, key: str, text: str, **values: object) -> "Note":
        note = super().__new__(cls, text)
        note.key, note.values = key, values
        return note

    def __reduce__(self):  # copies (dataclasses.asdict deep-copies) keep the key
        return (_remake, (self.key, str(self), self.values))


def _remake(key: str, text: str, values: dict[str, object]) -> Note:
    return Note(key, text, **values)
