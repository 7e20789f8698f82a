"""Words held back for the facilitator: the maintained list, its obfuscations, an event's own."""

import pytest

from sessions.moderation import event_words, held_back


@pytest.mark.parametrize("text", ["shit", "Sh!t happens", "BULLSHIT", "what the fuck"])
def test_the_standard_list_holds_words_back_whatever_their_case_or_disguise(text):
    assert held_back(text)


@pytest.mark.parametrize(
    "text", ["Training", "Scunthorpe", "assessment", "class", "cocktail", "Essex", "kaizen", ""]
)
def test_ordinary_words_and_places_pass(text):
    assert not held_back(text)


def test_an_events_own_words_are_held_back_besides_the_list():
    own = event_words("  Wanker \n\narse\nwanker\n")
    assert own == ("arse", "wanker")
    assert held_back("what an arse", own)
    assert held_back("WANKER", own)
    assert not held_back("what an arse")  # not on the standard list: only where the event says


@pytest.mark.django_db
def test_an_event_carries_its_own_words(event):
    event.held_words = "Brexit\n"
    assert event.extra_held_words == ("brexit",)
    assert held_back("brexit chaos", event.extra_held_words)
