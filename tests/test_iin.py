"""IIN check digit (KZ-FACTS.md), and the birth date it gives."""
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.iin import age_flag, birth_date, iin_check_digit, is_valid_iin, normalize_iin


def make_iin(first_eleven):
    return first_eleven + str(iin_check_digit(first_eleven))


@pytest.mark.parametrize("iin", [
    "900101300017",      # computed by hand: Σ d·w (1..11) = 95, 95 mod 11 = 7 → check digit 7
    "850312450124",      # weights 1..11 → r = 4
])
def test_known_valid(iin):
    assert is_valid_iin(iin)


def test_hand_computed_check_digit():
    # 9·1+0·2+0·3+1·4+0·5+1·6+3·7+0·8+0·9+0·10+1·11 = 9+4+6+21+11 = 51; 51 mod 11 = 7
    assert iin_check_digit("90010130001") == 7


def test_second_weights_used_when_first_remainder_is_ten():
    # find a number whose first remainder is 10 and check the second pass decides
    for n in range(100000):
        first = f"0001013{n:04d}"[:11]
        r1 = sum(int(d) * w for d, w in zip(first, range(1, 12))) % 11
        if r1 == 10:
            r2 = sum(int(d) * w for d, w in zip(first, (3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2))) % 11
            assert iin_check_digit(first) == (None if r2 == 10 else r2)
            return
    pytest.fail("no number with first remainder 10 found")


@pytest.mark.parametrize("bad", ["", "12345", "90010130001a", "9001013000170", "900101700017",
                                 "900101000017", "900101300018"])
def test_invalid(bad):
    assert not is_valid_iin(bad)


def test_spaces_and_dashes_are_ignored():
    assert normalize_iin(" 900101-300 017 ") == "900101300017"
    assert is_valid_iin("900101 300017")


@given(st.from_regex(r"[0-9]{6}[1-6][0-9]{4}", fullmatch=True))
def test_every_computable_check_digit_validates_and_others_do_not(first):
    check = iin_check_digit(first)
    if check is None:
        assert not any(is_valid_iin(first + str(d)) for d in range(10))
    else:
        assert is_valid_iin(first + str(check))
        assert not is_valid_iin(first + str((check + 1) % 10))


# --- the birth date an IIN gives, for warnings (issue 15, item 7) ---------------------------

def test_only_ascii_digits_make_an_iin():
    arabic = "١٢٠٣٠٥٦٠١٢٣٨"  # the digits of a valid IIN, in Arabic-Indic script
    assert is_valid_iin("120305601238") and not is_valid_iin(arabic)
    assert not is_valid_iin("１２０３０５６０１２３８")  # full-width


def test_the_birth_date_an_iin_gives():
    assert birth_date("120305601238") == date(2012, 3, 5)
    assert birth_date("900101300017") == date(1990, 1, 1)
    assert birth_date("123") is None


@pytest.mark.parametrize("age, birth_year, received, flag", [
    (None, None, date(2026, 3, 4), None),            # 13 years old, nothing stated
    (13, None, date(2026, 3, 4), None),
    (14, None, date(2026, 3, 4), None),              # a year apart: birthdays
    (9, None, date(2026, 3, 4), "age_mismatch"),
    (None, 2015, date(2026, 3, 4), "age_mismatch"),
    (None, None, date(2030, 3, 5), "adult"),         # 18 on the day it was received
])
def test_age_flag(age, birth_year, received, flag):
    assert age_flag("120305601238", age, birth_year, received) == flag
