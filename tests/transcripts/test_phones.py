import pytest

from transcripts.phones import is_e164, normalise_phone


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("+821012345678", "+821012345678"),
        ("010-1234-5678", "+821012345678"),
        ("010 1234 5678", "+821012345678"),
        ("(010) 1234-5678", "+821012345678"),
        ("+82 10-1234-5678", "+821012345678"),
        ("+82 010-1234-5678", "+821012345678"),
        ("0082 10 1234 5678", "+821012345678"),
        ("821012345678", "+821012345678"),
        ("tel:+821012345678", "+821012345678"),
        ("02-120", "02120"),
        ("120", "120"),
        ("+1 (415) 555-0100", "+14155550100"),
        ("  +976 9911 2233 ", "+97699112233"),
        ("anonymous", "anonymous"),
    ],
)
def test_normalise_phone(raw: str, expected: str) -> None:
    assert normalise_phone(raw) == expected


def test_is_e164() -> None:
    assert is_e164("+821012345678")
    assert not is_e164("010-1234-5678")
    assert not is_e164("+12")
