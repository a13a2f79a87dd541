import math

import numpy as np
import pytest

from charrnn.checks import check_nonnegative_int, check_positive_float, check_positive_int


@pytest.mark.parametrize("value", [2, 2.5, np.float64(0.1), np.int64(3)])
def test_positive_float_takes_numbers(value):
    assert check_positive_float("lr", value) == float(value)


@pytest.mark.parametrize("value", [True, "2", None, 0, -1.0, math.nan, math.inf])
def test_positive_float_refuses_bools_strings_and_non_positive_numbers(value):
    with pytest.raises(ValueError, match=rf"lr must be a positive, finite number, got {value!r}"):
        check_positive_float("lr", value)


def test_positive_float_can_allow_infinity_but_never_nan():
    assert check_positive_float("theta", math.inf, allow_inf=True) == math.inf
    with pytest.raises(ValueError, match="theta must be a positive number or math.inf, got nan"):
        check_positive_float("theta", math.nan, allow_inf=True)


@pytest.mark.parametrize("check, value", [(check_positive_int, 0), (check_positive_int, True),
                                          (check_nonnegative_int, -1), (check_nonnegative_int, False),
                                          (check_nonnegative_int, "3"), (check_nonnegative_int, 1.0)])
def test_integer_checks_refuse_bools_and_out_of_range_values(check, value):
    with pytest.raises(ValueError, match=rf"n must be .*, got {value!r}"):
        check("n", value)
    assert check_nonnegative_int("n", 0) == 0 and check_positive_int("n", 1) == 1
