"""Progress of the long commands on the terminal: the demo's build and the imports.

The data functions take an optional callback ``progress(stage, done, total)``
(:data:`data.importer.Progress`) and know nothing of terminals; this module draws it:

* on a terminal (stderr is a TTY): one line, rewritten in place (``\\r``), with the stage,
  the count, the percentage and the time since the command began;
* elsewhere (a log, a pipe): a plain line every ``every`` seconds (:data:`LOG_EVERY`) at
  most, and the end of each stage that had one: a long build leaves a few lines in its
  log, not thousands, and a quick command none (its error stays the one line on stderr);
* quiet: nothing (:func:`for_terminal` returns ``None``).

The stage words live here, in :data:`WORDS` (zh first, en), the one place to word them.
"""

from __future__ import annotations

import sys
import time
from contextlib import contextmanager
from typing import Callable, Iterator, TextIO

#: Seconds between two lines of progress in a log (not a terminal).
LOG_EVERY = 10.0

#: The stages the data functions report, worded: zh first, en.
WORDS: dict[str, dict[str, str]] = {
    "zh": {
        "regions": "划分区域", "generate": "生成演示数据", "write": "写入数据库",
        "index": "建立索引", "rollups": "汇总统计", "read": "读取文件", "check": "检查数据",
        "locate": "定位", "keys": "检查关联", "elapsed": "用时",
    },
    "en": {
        "regions": "drawing the regions", "generate": "generating the demo",
        "write": "writing to the store", "index": "building indexes", "rollups": "rollups",
        "read": "reading the file", "check": "checking rows", "locate": "locating",
        "keys": "checking the links", "elapsed": "elapsed",
    },
}


def stage_words(stage: str, language: str = "zh") -> str:
    """The words of ``stage`` in ``language`` (the key itself for a stage not worded)."""
    return WORDS.get(language, WORDS["zh"]).get(stage, stage)


def _clock(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    return f"{minutes}:{secs:02d}"


class TerminalProgress:
    """A ``progress(stage, done, total)`` callback that writes to ``stream``: one updating
    line on a terminal, plain occasional lines elsewhere (see the module docstring)."""

    def __init__(self, stream: TextIO | None = None, language: str = "zh",
                 tty: bool | None = None, every: float | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.stream = sys.stderr if stream is None else stream
        self.language = language
        self.tty = self.stream.isatty() if tty is None else tty
        self.every = LOG_EVERY if every is None else every
        self.clock = clock
        self.began = clock()
        self._stage: str | None = None
        self._last_line = self.began
        self._stage_shown = False  # a log line of the current stage was written
        self._stage_ended = False  # and the line of its end
        self._width = 0

    def __call__(self, stage: str, done: int, total: int) -> None:
        now = self.clock()
        new_stage = stage != self._stage
        if new_stage and self._stage is not None and self.tty:
            self.stream.write("\n")  # the finished stage's line stays on screen
            self._width = 0
        self._stage = stage
        if new_stage:
            self._stage_shown = self._stage_ended = False
        line = self._line(stage, done, total, now)
        if self.tty:
            self.stream.write("\r" + line.ljust(self._width))
            self._width = len(line)
        elif now - self._last_line >= self.every or (
                done >= total and self._stage_shown and not self._stage_ended):
            self.stream.write(line + "\n")
            self._last_line = now
            self._stage_shown = True
            self._stage_ended = done >= total
        self.stream.flush()

    def _line(self, stage: str, done: int, total: int, now: float) -> str:
        words = stage_words(stage, self.language)
        share = f" ({100 * done // total}%)" if total > 0 else ""
        count = f"{done:,}/{total:,}{share}" if total > 1 else ("…" if done < total else "✓")
        elapsed = stage_words("elapsed", self.language)
        return f"{words}: {count}  {elapsed} {_clock(now - self.began)}"

    def close(self) -> None:
        """End the updating line (on a terminal) so what follows starts on its own line."""
        if self.tty and self._stage is not None:
            self.stream.write("\n")
            self.stream.flush()
        self._stage = None


def for_terminal(quiet: bool, language: str = "zh", stream: TextIO | None = None
                 ) -> TerminalProgress | None:
    """The callback a command passes to the data functions: ``None`` when ``quiet``."""
    return None if quiet else TerminalProgress(stream, language)


@contextmanager
def shown(quiet: bool, language: str = "zh", stream: TextIO | None = None
          ) -> Iterator[TerminalProgress | None]:
    """:func:`for_terminal` for the length of a ``with`` block, its line ended at the end
    (an error's message then starts on a line of its own)."""
    bar = for_terminal(quiet, language, stream)
    try:
        yield bar
    finally:
        if bar is not None:
            bar.close()


__all__ = ["WORDS", "TerminalProgress", "for_terminal", "shown", "stage_words"]
