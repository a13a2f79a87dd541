"""Memorisation, shown rather than told: the longest stretch of a generated sample that appears
word for word in the training text, and where."""

from typing import NamedTuple


class Copy(NamedTuple):
    """The longest substring of a sample found in the training text, and where it is there."""

    text: str
    sample_start: int
    source_start: int

    def __str__(self) -> str:
        return (
            f"longest copy: {len(self.text)} characters, {self.text!r} "
            f"(training text from character {self.source_start:,})"
        )


def longest_copy(sample: str, training_text: str) -> Copy:
    """The longest substring of `sample` that occurs in `training_text` (the first such, if
    several tie), with its start in both.

    Grows the best length one character at a time: for each start in the sample it only asks
    whether a copy one longer than the best so far begins there, so it needs about
    len(sample) + best length searches of the training text.
    """
    if not isinstance(sample, str) or not isinstance(training_text, str):
        raise TypeError(
            "sample and training_text must be strings, got "
            f"{type(sample).__name__} and {type(training_text).__name__}"
        )
    best = Copy("", 0, 0)
    for start in range(len(sample)):
        while start + len(best.text) < len(sample):
            candidate = sample[start : start + len(best.text) + 1]
            found = training_text.find(candidate)
            if found < 0:
                break
            best = Copy(candidate, start, found)
    return best
