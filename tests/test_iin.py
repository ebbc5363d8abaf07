"""IIN check digit (KZ-FACTS.md)."""
import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.iin import iin_check_digit, is_valid_iin, normalize_iin


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


@given(st.from_regex(r"\d{6}[1-6]\d{4}", fullmatch=True))
def test_every_computable_check_digit_validates_and_others_do_not(first):
    check = iin_check_digit(first)
    if check is None:
        assert not any(is_valid_iin(first + str(d)) for d in range(10))
    else:
        assert is_valid_iin(first + str(check))
        assert not is_valid_iin(first + str((check + 1) % 10))
