import pytest

from hotline.core.contact_points import normalize_email, parse_phone, try_parse_phone
from hotline.core.errors import ValidationFailed


@pytest.mark.parametrize(
    ("typed", "e164", "extension"),
    [
        ("8 (912) 345-67-89", "+79123456789", ""),
        ("+7 912 3456789", "+79123456789", ""),
        ("89123456789", "+79123456789", ""),
        ("79123456789", "+79123456789", ""),
        ("9123456789", "+79123456789", ""),
        ("+7(912)345-67-89", "+79123456789", ""),
        ("8-912-345-67-89", "+79123456789", ""),
        ("  8 912 345 67 89  ", "+79123456789", ""),
        ("+7 (495) 123-45-67 доб. 123", "+74951234567", "123"),
        ("8 (495) 123-45-67, доб. 45", "+74951234567", "45"),
        ("8-495-123-45-67 ext. 45", "+74951234567", "45"),
        ("+7 495 1234567#12", "+74951234567", "12"),
        ("+7 912 345 67 89 x 7", "+79123456789", "7"),
        ("8 800 555-35-35", "+78005553535", ""),
        ("8 (4012) 12-34-56", "+74012123456", ""),
        ("+375 29 123-45-67", "+375291234567", ""),
        ("810 375 29 123 45 67", "+375291234567", ""),
        ("00 7 912 345 67 89", "+79123456789", ""),
        ("+44 20 7946 0958", "+442079460958", ""),
    ],
)
def test_phones_typed_any_way_normalise_to_e164(typed: str, e164: str, extension: str) -> None:
    phone = parse_phone(typed)
    assert phone.e164 == e164
    assert phone.extension == extension


@pytest.mark.parametrize("typed", ["", "абв", "123", "8 (912) 345", "+7 000 000 00 00", "++++"])
def test_not_a_phone_is_refused_with_the_field_named(typed: str) -> None:
    with pytest.raises(ValidationFailed) as err:
        parse_phone(typed, field="phone")
    assert err.value.field == "phone"


def test_search_text_that_is_a_name_is_not_a_phone() -> None:
    assert try_parse_phone("Иванов") is None
    assert try_parse_phone("8 912 345-67-89") is not None


def test_email_is_lower_cased_and_validated() -> None:
    assert normalize_email("  Ivan.Petrov@Example.RU ") == "ivan.petrov@example.ru"
    with pytest.raises(ValidationFailed):
        normalize_email("ivan@")
