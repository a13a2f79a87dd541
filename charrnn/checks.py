"""Argument checks shared by every module, so that bad input fails early and says why."""


def check_positive_int(name: str, value: object) -> int:
    """Return `value` if it is an integer > 0, else raise a ValueError naming `name`."""
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return value


def check_positive_float(name: str, value: object) -> float:
    """Return `value` as a float if it is a finite number > 0, else raise a ValueError."""
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a positive number, got {value!r}") from None
    if not number > 0 or number == float("inf"):
        raise ValueError(f"{name} must be a positive, finite number, got {value!r}")
    return number
