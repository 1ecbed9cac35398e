import pytest

from hotline.core.errors import ValidationFailed
from hotline.core.models import AuditLog
from hotline.core.pagination import paginate

pytestmark = pytest.mark.django_db


def test_cursor_walks_every_row_once_in_order() -> None:
    for i in range(7):
        AuditLog.objects.create(action="view", object_type="x", object_id=str(i))
    seen: list[str] = []
    cursor = None
    while True:
        page = paginate(AuditLog.objects.all(), order_by="-at", cursor=cursor, limit=3)
        seen += [row.object_id for row in page.items]
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert sorted(seen) == [str(i) for i in range(7)]
    assert len(seen) == 7


def test_garbage_cursor_and_bad_limit_are_refused_with_the_field() -> None:
    with pytest.raises(ValidationFailed) as err:
        paginate(AuditLog.objects.all(), cursor="!!!not-ours")
    assert err.value.field == "cursor"
    with pytest.raises(ValidationFailed) as err:
        paginate(AuditLog.objects.all(), limit=0)
    assert err.value.field == "limit"


@pytest.mark.parametrize("values", [[2**70], ["a\x00b", 1], [True], [{"id": 1}], ["x" * 1000, 1]])
def test_hand_made_cursor_with_values_a_database_cannot_take_is_refused(values: list[object]) -> None:
    import base64
    import json

    cursor = base64.urlsafe_b64encode(json.dumps(values).encode()).decode()
    with pytest.raises(ValidationFailed) as err:
        paginate(AuditLog.objects.all(), order_by="-at", cursor=cursor)
    assert err.value.field == "cursor"
