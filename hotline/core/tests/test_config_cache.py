"""The per-process configuration cache: rebuilt exactly when the configuration's token changes."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import transaction

from hotline.core import config_cache
from hotline.core.models import ConfigurationVersion

pytestmark = pytest.mark.django_db


def counting_loader() -> tuple[Callable[[], int], list[int]]:
    calls: list[int] = []

    def load() -> int:
        calls.append(1)
        return len(calls)

    return load, calls


def test_a_value_is_built_once_while_the_configuration_stands() -> None:
    load, calls = counting_loader()
    assert config_cache.cached("test.value", load) == 1
    assert config_cache.cached("test.value", load) == 1
    assert len(calls) == 1


def test_a_change_committed_by_another_process_is_seen_at_the_next_read() -> None:
    load, _calls = counting_loader()
    assert config_cache.cached("test.value", load) == 1
    # Another process's change: its rows and a new token commit together; this process's copy is untouched.
    ConfigurationVersion.objects.filter(pk=config_cache.ROW_ID).update(token="f" * 32)
    assert config_cache.cached("test.value", load) == 2
    assert config_cache.cached("test.value", load) == 2


def test_a_change_here_rebuilds_at_once() -> None:
    load, _calls = counting_loader()
    config_cache.cached("test.value", load)
    config_cache.changed()
    assert config_cache.cached("test.value", load) == 2


def test_what_a_rolled_back_change_built_is_never_reused() -> None:
    load, _calls = counting_loader()
    assert config_cache.cached("test.value", load) == 1
    sid = transaction.savepoint()
    config_cache.changed()
    assert config_cache.cached("test.value", load) == 2  # built from the uncommitted configuration
    transaction.savepoint_rollback(sid)
    # The token is the committed one again, which the rolled-back copy was not built under.
    assert config_cache.cached("test.value", load) == 3
    # The next change writes a token of its own, so the rolled-back copy can never match it either.
    config_cache.changed()
    assert config_cache.cached("test.value", load) == 4


def test_without_the_row_a_new_token_is_written_and_nothing_old_is_reused() -> None:
    load, _calls = counting_loader()
    config_cache.cached("test.value", load)
    ConfigurationVersion.objects.all().delete()  # a flushed database
    assert config_cache.cached("test.value", load) == 2
    assert ConfigurationVersion.objects.filter(pk=config_cache.ROW_ID).exists()


def test_a_pinned_block_reads_the_token_once(django_assert_num_queries: Callable[..., object]) -> None:
    load, _calls = counting_loader()
    config_cache.cached("test.a", load)
    config_cache.cached("test.b", load)
    with django_assert_num_queries(1), config_cache.pinned():  # type: ignore[attr-defined]
        config_cache.cached("test.a", load)
        config_cache.cached("test.b", load)
        with config_cache.pinned():
            config_cache.cached("test.a", load)
    with django_assert_num_queries(2):  # type: ignore[attr-defined]
        config_cache.cached("test.a", load)
        config_cache.cached("test.b", load)


def test_a_change_inside_a_pinned_block_is_seen_in_the_block() -> None:
    load, _calls = counting_loader()
    with config_cache.pinned():
        assert config_cache.cached("test.value", load) == 1
        config_cache.changed()
        assert config_cache.cached("test.value", load) == 2
