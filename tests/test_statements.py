"""The live path's fixed statements (`sessions.statements`, `sessions.live.reads`) on the
database the suite runs against: a forged id beyond any column's range matches nothing, as
the ORM's lookups treat it, and never fails the request."""

from __future__ import annotations

import pytest

from sessions.joining import services as joining
from sessions.live import reads
from sessions.models import Poll
from sessions.statements import INTEGER_RANGE
from sessions.voting import services as voting
from tests.test_voting_invariants import dots_poll

pytestmark = pytest.mark.django_db

TOO_BIG = 9999999999999999999  # what a hostile form sent as a poll's id
TOO_SMALL = INTEGER_RANGE[0] - 1


def test_an_id_beyond_the_columns_range_finds_nothing(workshop):
    poll = dots_poll(workshop)
    option = poll.options.first()
    assert INTEGER_RANGE[1] < TOO_BIG
    for forged in (TOO_BIG, TOO_SMALL):
        assert reads.poll(forged) is None
        assert reads.poll_of_step(forged) is None
        assert reads.workshop(forged) is None
        assert reads.workshop_at_version(forged) is None
        assert reads.locked_attendances(forged, [1]) == []
        assert reads.ballots([forged], [1]) == []
        assert reads.marks_counted([forged]) == []
        assert reads.turnout_rows(poll.pk, forged) == []
    # In a list, the forged id is left out and the others are still found.
    found = reads.poll(poll.pk)
    assert found is not None
    assert found[0] == Poll.objects.get(pk=poll.pk)
    ann = joining.join_workshop(workshop=workshop, delegate_key=None, display_name="Ann")
    voting.cast(
        workshop_id=workshop.pk, delegate_id=ann.pk, poll_id=poll.pk, option_id=option.pk,
        action="add", key="the-only-dot",
    )  # fmt: skip
    assert reads.marks_counted([option.pk, TOO_BIG]) == [(option.pk, 1, 1)]
