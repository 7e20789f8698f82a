"""Peers across companies: the matching rule worked by hand, opting in, anonymous offers,
introductions only when both accept (seen from both sides, in pages, emails, exports and
data downloads), declines, erasure and retention, the organiser's counts at 4/5, and
replayed or forged answers."""

from __future__ import annotations

import datetime
import io
import json
import random
import re

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from sessions.agenda.services import close_workshop
from sessions.commitments import followups
from sessions.commitments import services as commitments
from sessions.commitments.services import Card
from sessions.models import (
    AccessLink,
    BuddyNote,
    Commitment,
    Option,
    PeerOffer,
    PeerOptIn,
    PeerTopic,
    SnapshotAnswer,
    SnapshotResponse,
)
from sessions.peers import matching as peers_matching
from sessions.peers import services as peers
from sessions.peers.matching import (
    Profile,
    can_match,
    company_key,
    match,
    new_matches,
    topics_of,
)
from sessions.privacy import services as privacy
from sessions.snapshot.bank import DIMENSION_CODES
from sessions.snapshot.services import setup_for
from tests.conftest import join, open_vote_on_screen

# --- the rule, by hand -----------------------------------------------------------------------


def person(pk: int, company: str, challenges=(), **scores) -> Profile:
    return Profile(
        id=pk,
        person=pk * 10,
        company=company,
        challenges={c.casefold(): c for c in challenges},
        scores=scores,
        order=pk,
    )


class TestTheRule:
    def test_the_same_challenge_matches_across_companies(self):
        found = match(
            person(1, "Acme", ["Changeover time"]), person(2, "Brill", ["changeover TIME"])
        )
        assert found is not None
        assert (found.a, found.b, found.same_challenge) == (1, 2, True)

    def test_one_company_is_never_matched_with_itself(self):
        assert company_key("Acme Ltd.") == company_key("ACME limited") == "acme"
        assert match(person(1, "Acme Ltd", ["Scrap"]), person(2, "acme", ["Scrap"])) is None

    def test_one_person_is_never_matched_with_their_own_other_commitment(self):
        a = person(1, "Acme", ["Scrap"])
        b = Profile(id=2, person=a.person, company="Other", challenges=a.challenges)
        assert match(a, b) is None

    def test_strong_where_the_other_is_starting_matches_by_the_widest_gap(self):
        # flow: 75 against 49 (gap 26); people: 100 against 0 (gap 100); measure: 74 vs 0.
        a = person(1, "Acme", flow=75, people=100, measure=74)
        b = person(2, "Brill", flow=49, people=0, measure=0)
        found = match(a, b)
        assert found is not None
        assert (found.same_challenge, found.topic, found.a_strong, found.gap) == (
            False,
            "people",
            True,
            100,
        )
        assert match(b, a) == found  # the order given does not matter

    def test_the_thresholds_are_75_and_under_50(self):
        assert match(person(1, "A", flow=74), person(2, "B", flow=0)) is None
        assert match(person(1, "A", flow=100), person(2, "B", flow=50)) is None
        assert match(person(1, "A", flow=None), person(2, "B", flow=0)) is None
        weak_first = match(person(1, "A", flow=25), person(2, "B", flow=75))
        assert weak_first is not None
        assert weak_first.a_strong is False

    def test_the_same_challenge_comes_before_complementary_strength(self):
        me = person(1, "A", ["Scrap"], flow=0)
        same = person(2, "B", ["Scrap"])
        strong = person(3, "C", flow=100)
        made = new_matches([me, same, strong], most=1)
        assert [(m.a, m.b) for m in made] == [(1, 2)]

    def test_at_most_three_offers_each_and_never_twice(self):
        everyone = [person(n, f"Company {n}", ["Scrap"]) for n in range(1, 7)]
        made = new_matches(everyone)
        per_person = {p.id: 0 for p in everyone}
        for m in made:
            per_person[m.a] += 1
            per_person[m.b] += 1
        assert set(per_person.values()) == {3}
        # Worked by hand: everyone's first offer, then second, spreading; ties go to the
        # earlier opt-ins.
        assert [(m.a, m.b) for m in made] == [
            (1, 2), (3, 4), (5, 6), (1, 3), (2, 4), (1, 5), (2, 6), (3, 5), (4, 6)
        ]  # fmt: skip
        again = new_matches(everyone, [(m.a, m.b) for m in made])
        assert again == []

    def test_two_people_are_offered_to_each_other_once_whatever_they_opted_in_with(self):
        ann_1, ann_2 = person(1, "Acme", ["Scrap"]), person(2, "Acme", ["Stock"])
        ben_1, ben_2 = person(3, "Brill", ["Scrap"]), person(4, "Brill", ["Stock"])
        ann_2 = Profile(**{**ann_2.__dict__, "person": ann_1.person})
        ben_2 = Profile(**{**ben_2.__dict__, "person": ben_1.person})
        made = new_matches([ann_1, ann_2, ben_1, ben_2])
        assert [(m.a, m.b, m.topic) for m in made] == [(1, 3, "Scrap")]

    def test_the_index_finds_every_pair_the_rule_would_match(self):
        """An opt-in is scored only against those holding a topic it can match: over many
        random profiles, no pair that `match` pairs is missed, and none is found that shares
        no such topic."""
        rng = random.Random(17)
        labels = ["Scrap", "Stock", "Absence", "Changeover time"]
        profiles = [
            person(
                n,
                f"Company {n % 7}",
                rng.sample(labels, rng.randint(0, 2)),
                **{code: rng.choice([None, 0, 49, 50, 74, 75, 100]) for code in DIMENSION_CODES},
            )
            for n in range(1, 60)
        ]
        for a in profiles:
            wanted = set(can_match(a))
            for b in profiles:
                if a is not b:
                    found = wanted & set(topics_of(b))
                    assert (match(a, b) is not None) <= bool(found), (a, b)
                    assert bool(found) == bool(set(can_match(b)) & set(topics_of(a)))

    def test_existing_offers_count_toward_the_three(self):
        everyone = [person(n, f"Company {n}", ["Scrap"]) for n in range(1, 6)]
        made = new_matches(everyone, [(1, 2), (1, 3), (1, 4)])
        assert all(1 not in (m.a, m.b) for m in made)


# --- the pages and emails ----------------------------------------------------------------------


def on_phone(workshop, name: str, option: Option | None = None) -> tuple[Client, Commitment]:
    """A joined phone and a consenting commitment its delegate made on it."""
    client = Client()
    delegate = join(client, workshop, name)
    step = workshop.steps.filter(kind="commit").first() or commitments.add_commit_step(
        workshop=workshop, title="Commit"
    )
    today = workshop.event.local_today()
    made = commitments.make_commitment(
        workshop_id=workshop.pk,
        delegate_id=delegate.pk,
        step_id=step.pk,
        card=Card(
            action="time every changeover",
            first_step_when="When the shift starts",
            first_step_then="put a stopwatch by the press",
            first_step_on=today,
            measure="changeovers under 20 minutes",
            done_by=today + datetime.timedelta(days=30),
            link=f"option:{option.pk}" if option else "",
            email=f"{name.lower()}@example.com",
            consent=True,
        ),
    )
    return client, made


def committed(workshop, name: str, option: Option | None = None) -> tuple[Commitment, str]:
    """A consenting commitment about `option`, and its check-in link's path."""
    _client, made = on_phone(workshop, name, option)
    token = followups.issue_link(purpose=AccessLink.Purpose.CHECK_IN, commitment=made)
    return made, f"/c/{made.pk}/{token}/"


def opt_in(path: str, name: str, company: str) -> None:
    response = Client().post(
        path + "peers/",
        {
            "name": name,
            "company": company,
            "email": f"{name.split()[0].lower()}@peer.example",
            "agree": "on",
        },
    )
    assert response.status_code == 302, response.content


@pytest.fixture
def challenges(workshop) -> list[Option]:
    poll = open_vote_on_screen(workshop, ["Changeover time", "Scrap", "Absence", "Stock"])
    return list(poll.options.order_by("id"))


@pytest.fixture
def pair(workshop, challenges):
    """Ann of Acme and Ben of Brill, both on changeover time, opted in: one offer."""
    _ann, ann_path = committed(workshop, "Ann", challenges[0])
    _ben, ben_path = committed(workshop, "Ben", challenges[0])
    opt_in(ann_path, "Ann Archer", "Acme Pressings")
    opt_in(ben_path, "Ben Brook", "Brill Foods")
    offer = PeerOffer.objects.get()
    return ann_path, ben_path, offer


ANN = ("Ann Archer", "Acme Pressings", "ann@peer.example")
BEN = ("Ben Brook", "Brill Foods", "ben@peer.example")


def shows_none_of(text: str, who: tuple[str, ...]) -> bool:
    return not any(part in text for part in who)


def answer(path: str, offer: PeerOffer | int, what: str, client: Client | None = None):
    pk = offer if isinstance(offer, int) else offer.pk
    return (client or Client()).post(path + "peers/answer/", {"offer": pk, "answer": what})


@pytest.mark.django_db
class TestOptingIn:
    def test_the_page_says_what_is_shared_before_opting_in(self, workshop, challenges):
        _made, path = committed(workshop, "Ann", challenges[0])
        page = Client().get(path + "peers/")
        assert page.status_code == 200
        text = page.content.decode()
        assert "name, company and email address" in text
        assert "only if you both accept" in text
        assert "ann@example.com" in text  # the card's address, offered to reuse

    def test_the_check_in_page_leads_to_it(self, workshop, challenges):
        _made, path = committed(workshop, "Ann", challenges[0])
        page = Client().get(path)
        assert f'href="{path}peers/"' in page.content.decode()

    @pytest.mark.parametrize(
        "changes",
        [
            {"company": "   "},
            {"company": "x" * 121},
            {"agree": ""},
            {"email": "not an address"},
            {"name": ""},
        ],
    )
    def test_bad_input_is_refused_and_nothing_is_stored(self, workshop, challenges, changes):
        _made, path = committed(workshop, "Ann", challenges[0])
        data = {"name": "Ann", "company": "Acme", "email": "a@example.com", "agree": "on"}
        data.update(changes)
        data = {k: v for k, v in data.items() if v}
        response = Client().post(path + "peers/", data)
        assert response.status_code == 400
        assert b"errorlist" in response.content
        assert not PeerOptIn.objects.exists()

    def test_a_forged_link_gets_not_found(self, workshop, challenges):
        made, _path = committed(workshop, "Ann", challenges[0])
        response = Client().post(
            f"/c/{made.pk}/{'x' * 43}/peers/",
            {"name": "A", "company": "B", "email": "a@example.com", "agree": "on"},
        )
        assert response.status_code == 404
        assert not PeerOptIn.objects.exists()

    def test_opting_in_twice_updates_and_offers_once(self, workshop, challenges):
        _a, ann_path = committed(workshop, "Ann", challenges[0])
        _b, ben_path = committed(workshop, "Ben", challenges[0])
        opt_in(ann_path, "Ann", "Acme")
        opt_in(ben_path, "Ben", "Brill")
        opt_in(ben_path, "Benjamin", "Brill")
        assert PeerOffer.objects.count() == 1
        assert PeerOptIn.objects.get(name="Benjamin")

    def test_the_same_company_is_not_offered(self, workshop, challenges):
        _a, ann_path = committed(workshop, "Ann", challenges[0])
        _b, ben_path = committed(workshop, "Ben", challenges[0])
        opt_in(ann_path, "Ann", "Acme Ltd")
        opt_in(ben_path, "Ben", "ACME limited")
        assert not PeerOffer.objects.exists()

    def test_snapshot_scores_match_strong_with_starting(self, workshop, challenges):
        ann, ann_path = committed(workshop, "Ann", challenges[0])
        ben, ben_path = committed(workshop, "Ben", challenges[1])
        setup = setup_for(workshop.event)
        for made, value in ((ann, 4), (ben, 0)):
            response = SnapshotResponse.objects.create(
                setup=setup, delegate=made.delegate, completed_at=made.created_at
            )
            for item in ("supply_1", "supply_2", "supply_3"):
                SnapshotAnswer.objects.create(response=response, item=item, value=value)
        opt_in(ann_path, "Ann", "Acme")
        opt_in(ben_path, "Ben", "Brill")
        offer = PeerOffer.objects.get()
        assert (offer.reason, offer.topic) == ("complement", "supply")
        ann_page = Client().get(ann_path + "peers/").content.decode()
        ben_page = Client().get(ben_path + "peers/").content.decode()
        assert "starting out in Supply-chain collaboration, where yours is strong" in ann_page
        assert "strong in Supply-chain collaboration, where yours is starting out" in ben_page

    def test_the_command_matches_and_adds_nothing_twice(self, workshop, challenges):
        _a, ann_path = committed(workshop, "Ann", challenges[0])
        _b, ben_path = committed(workshop, "Ben", challenges[0])
        opt_in(ann_path, "Ann", "Acme")
        opt_in(ben_path, "Ben", "Brill")
        PeerOffer.objects.all().delete()
        call_command("match_peers", stdout=(out := io.StringIO()))
        assert "1 offer made." in out.getvalue()
        call_command("match_peers", event=workshop.event_id, stdout=(out := io.StringIO()))
        assert "0 offers made." in out.getvalue()
        assert PeerOffer.objects.count() == 1


@pytest.mark.django_db
class TestNothingBeforeBothAccept:
    def test_offers_are_anonymous_on_both_sides(self, pair, facilitator_client, workshop):
        ann_path, ben_path, _offer = pair
        ann_page = Client().get(ann_path + "peers/").content.decode()
        ben_page = Client().get(ben_path + "peers/").content.decode()
        assert "Someone from another company also working on “Changeover time”." in ann_page
        assert "Someone from another company also working on “Changeover time”." in ben_page
        assert shows_none_of(ann_page, BEN)
        assert shows_none_of(ben_page, ANN)
        assert mail.outbox == []
        event = workshop.event_id
        dashboard = facilitator_client.get(f"/console/events/{event}/dashboard/")
        export = facilitator_client.get(f"/console/events/{event}/dashboard/commitments.csv")
        for response in (dashboard, export):
            assert response.status_code == 200
            body = b"".join(response.streaming_content) if response.streaming else response.content
            assert shows_none_of(body.decode(), ANN[:2] + BEN[:2])

    def test_the_data_download_holds_only_your_own_details(self, pair):
        ann = PeerOptIn.objects.get(name=ANN[0]).commitment.delegate
        data = json.dumps(privacy.my_data(ann))
        assert "Ann Archer" in data
        assert "Acme Pressings" in data
        assert "also working on" in data
        assert shows_none_of(data, BEN)

    def test_one_accept_reveals_nothing_to_either_side(self, pair):
        ann_path, ben_path, offer = pair
        assert answer(ann_path, offer, "accept").status_code == 302
        ann_page = Client().get(ann_path + "peers/").content.decode()
        ben_page = Client().get(ben_path + "peers/").content.decode()
        assert "You accepted. If they accept too" in ann_page
        assert 'value="accept"' in ben_page  # still open: Ben is not told Ann accepted
        assert "accepted" not in ben_page
        assert shows_none_of(ann_page, BEN)
        assert shows_none_of(ben_page, ANN)
        assert mail.outbox == []
        ben = PeerOptIn.objects.get(name=BEN[0]).commitment.delegate
        assert shows_none_of(json.dumps(privacy.my_data(ben)), ANN)

    def test_both_accepts_introduce_them_by_email(self, pair, django_capture_on_commit_callbacks):
        ann_path, ben_path, offer = pair
        answer(ann_path, offer, "accept")
        with django_capture_on_commit_callbacks(execute=True):
            assert answer(ben_path, offer, "accept").status_code == 302
        assert sorted(m.to[0] for m in mail.outbox) == ["ann@peer.example", "ben@peer.example"]
        to_ann = next(m for m in mail.outbox if m.to == ["ann@peer.example"])
        assert all(part in to_ann.body for part in BEN)
        assert shows_none_of(to_ann.body, ANN[1:])
        assert to_ann.subject == "An introduction: Ben Brook from Brill Foods"
        ann_page = Client().get(ann_path + "peers/").content.decode()
        assert "Introduced" in ann_page
        assert all(part in ann_page for part in BEN)
        ann = PeerOptIn.objects.get(name=ANN[0]).commitment.delegate
        data = privacy.my_data(ann)["commitments"][0]["peers"]
        assert data["introduced_to"] == [dict(zip(("name", "company", "email"), BEN, strict=True))]

    def test_a_decline_closes_the_offer_without_revealing_anyone(
        self, pair, django_capture_on_commit_callbacks
    ):
        ann_path, ben_path, offer = pair
        with django_capture_on_commit_callbacks(execute=True):
            answer(ann_path, offer, "accept")
            assert answer(ben_path, offer, "decline").status_code == 302
        ann_page = Client().get(ann_path + "peers/").content.decode()
        ben_page = Client().get(ben_path + "peers/").content.decode()
        assert "No introduction this time. Nothing was shared." in ann_page
        assert "You declined. Nothing was shared." in ben_page
        assert shows_none_of(ann_page, BEN)
        assert shows_none_of(ben_page, ANN)
        assert mail.outbox == []
        # Changing one's mind afterwards is refused, and introduces nobody.
        late = answer(ben_path, offer, "accept")
        assert late.status_code == 409
        assert "already answered" in late.content.decode()
        assert PeerOffer.objects.get().introduced_at is None

    def test_an_erased_delegate_s_offers_vanish_for_the_other_side(self, pair, workshop):
        ann_path, ben_path, offer = pair
        answer(ann_path, offer, "accept")
        ben = PeerOptIn.objects.get(name=BEN[0]).commitment.delegate
        privacy.erase_delegate(delegate=ben)
        assert not PeerOffer.objects.exists()
        assert list(PeerOptIn.objects.values_list("name", flat=True)) == [ANN[0]]
        ann_page = Client().get(ann_path + "peers/").content.decode()
        assert "No offers yet" in ann_page
        assert shows_none_of(ann_page, BEN)
        assert Client().get(ben_path + "peers/").status_code == 404  # the link is gone too
        assert mail.outbox == []

    def test_retention_removes_every_pair(self, pair, workshop):
        event = workshop.event
        privacy.apply_retention(
            today=event.date + datetime.timedelta(days=event.retention_days + 1)
        )
        assert not PeerOffer.objects.exists()
        assert not PeerOptIn.objects.exists()

    def test_withdrawing_removes_the_offer_for_both(self, pair):
        ann_path, ben_path, _offer = pair
        assert Client().post(ben_path + "peers/withdraw/").status_code == 302
        assert not PeerOffer.objects.exists()
        assert "No offers yet" in Client().get(ann_path + "peers/").content.decode()


@pytest.mark.django_db
class TestReplaysAndForgeries:
    def test_a_replayed_accept_introduces_once(self, pair, django_capture_on_commit_callbacks):
        ann_path, ben_path, offer = pair
        answer(ann_path, offer, "accept")
        with django_capture_on_commit_callbacks(execute=True):
            answer(ben_path, offer, "accept")
            assert answer(ben_path, offer, "accept").status_code == 302
            assert answer(ann_path, offer, "accept").status_code == 302
        assert len(mail.outbox) == 2

    def test_another_pairs_offer_and_a_missing_one_get_the_same_not_found(
        self, workshop, challenges, pair
    ):
        ann_path, _ben_path, _offer = pair
        _c, cat_path = committed(workshop, "Cat", challenges[1])
        _d, dan_path = committed(workshop, "Dan", challenges[1])
        opt_in(cat_path, "Cat", "Cogs")
        opt_in(dan_path, "Dan", "Dyes")
        theirs = PeerOffer.objects.get(first__name="Cat")
        forged = answer(ann_path, theirs, "accept")
        missing = answer(ann_path, 999999, "accept")
        assert forged.status_code == missing.status_code == 404
        assert "That offer does not exist." in forged.content.decode()
        assert "That offer does not exist." in missing.content.decode()
        theirs.refresh_from_db()
        assert (theirs.first_answer, theirs.second_answer) == ("", "")

    @pytest.mark.parametrize(
        "data", [{"offer": "x", "answer": "accept"}, {"offer": "1", "answer": "maybe"}, {}]
    )
    def test_a_garbled_answer_is_refused(self, pair, data):
        ann_path, _ben_path, offer = pair
        response = Client().post(ann_path + "peers/answer/", data)
        assert response.status_code == 400
        offer.refresh_from_db()
        assert offer.first_answer == offer.second_answer == ""

    def test_answering_before_opting_in_is_refused(self, workshop, challenges, pair):
        _e, eve_path = committed(workshop, "Eve", challenges[0])
        response = answer(eve_path, pair[2], "accept")
        assert response.status_code == 400


@pytest.mark.django_db
class TestTheOrganisersCounts:
    def groups(self, workshop, challenges, sizes: list[int]) -> None:
        n = 0
        for option, size in zip(challenges, sizes, strict=False):
            for _ in range(size):
                n += 1
                _made, path = committed(workshop, f"P{n}", option)
                opt_in(path, f"Person {n}", f"Company {n}")

    def figures(self, client: Client, workshop) -> dict[str, str]:
        page = client.get(f"/console/events/{workshop.event_id}/dashboard/").content.decode()
        import re

        return dict(re.findall(r'data-peer-count="(\w+)">([^<]*)<', page))

    def test_four_offers_are_withheld_and_five_are_shown(
        self, workshop, challenges, facilitator_client
    ):
        self.groups(workshop, challenges, [3, 2])  # 3 + 1 offers
        assert PeerOffer.objects.count() == 4
        assert self.figures(facilitator_client, workshop)["offered"] == "fewer than 5"
        self.groups(workshop, challenges[2:], [2])  # one more pair
        assert PeerOffer.objects.count() == 5
        assert self.figures(facilitator_client, workshop)["offered"] == "5"

    def test_introductions_are_withheld_at_four_and_shown_at_five(self, workshop, challenges):
        self.groups(workshop, challenges, [3, 2])
        _made, p = committed(workshop, "Extra1", challenges[2])
        opt_in(p, "Extra One", "Extra Co 1")
        _made, p = committed(workshop, "Extra2", challenges[2])
        opt_in(p, "Extra Two", "Extra Co 2")
        offers = list(PeerOffer.objects.order_by("id"))
        assert len(offers) == 5
        for offer in offers[:4]:
            peers.answer_offer(opted=offer.first, offer_id=offer.pk, answer="accept")
            peers.answer_offer(opted=offer.second, offer_id=offer.pk, answer="accept")
        counts = peers.counts(workshop.event)
        assert (counts.offered, counts.accepted) == (5, 8)
        assert str(counts.introduced) == "fewer than 5"
        assert not counts.introduced
        last = offers[4]
        peers.answer_offer(opted=last.first, offer_id=last.pk, answer="accept")
        peers.answer_offer(opted=last.second, offer_id=last.pk, answer="accept")
        assert peers.counts(workshop.event).introduced == 5


# --- the buddy -------------------------------------------------------------------------------


def with_buddy(workshop, buddy_consents: bool) -> Commitment:
    """Ben (who gave an address for follow-ups, or not) commits, then Ann names him."""
    ben_client = Client()
    ben = join(ben_client, workshop, "Ben")
    ann = join(Client(), workshop, "Ann")
    step = commitments.add_commit_step(workshop=workshop, title="Commit")
    today = workshop.event.local_today()
    card = {
        "action": "time every changeover",
        "first_step_when": "When the shift starts",
        "first_step_then": "put a stopwatch by the press",
        "first_step_on": today,
        "measure": "changeovers under 20 minutes",
        "done_by": today + datetime.timedelta(days=30),
    }
    commitments.make_commitment(
        workshop_id=workshop.pk,
        delegate_id=ben.pk,
        step_id=step.pk,
        card=Card(
            **card,
            email="ben@example.com" if buddy_consents else "",
            consent=buddy_consents,
        ),
    )
    return commitments.make_commitment(
        workshop_id=workshop.pk,
        delegate_id=ann.pk,
        step_id=step.pk,
        card=Card(**{**card, "action": "cut scrap on line 1"}, buddy_id=ben.pk),
    )


def send(now: datetime.datetime) -> str:
    out = io.StringIO()
    call_command("send_followups", base_url="https://f.example", now=now.isoformat(), stdout=out)
    return out.getvalue()


def buddy_mail() -> list:
    return [m for m in mail.outbox if "named you as their buddy" in m.body]


@pytest.mark.django_db
class TestTheBuddy:
    def test_a_consenting_buddy_is_told_that_day_and_nudged_on_day_7(self, workshop):
        made = with_buddy(workshop, buddy_consents=True)
        zone = workshop.event.zone
        day0 = timezone.localtime(made.created_at, zone)
        told_at = max(
            datetime.datetime.combine(day0.date(), datetime.time(17), tzinfo=zone),
            day0 + datetime.timedelta(minutes=10),
        )
        send(told_at - datetime.timedelta(minutes=1))
        assert buddy_mail() == []
        assert "sent buddy told" in send(told_at)
        (told,) = buddy_mail()
        assert told.subject == f"Ann named you as their buddy at {workshop.event.name}"
        assert "I will cut scrap on line 1" in told.body
        assert send(told_at).count("buddy") == 0  # never twice
        day7 = datetime.datetime.combine(
            day0.date() + datetime.timedelta(days=7), datetime.time(10), tzinfo=zone
        )
        assert "sent buddy day7" in send(day7)
        nudge = buddy_mail()[1]
        assert nudge.subject == "A week on: ask Ann how it went"
        assert "Why not ask them how it went?" in nudge.body
        send(day7 + datetime.timedelta(days=1))
        assert len(buddy_mail()) == 2

    def test_a_buddy_who_gave_no_address_is_never_emailed(self, workshop):
        made = with_buddy(workshop, buddy_consents=False)
        send(made.created_at + datetime.timedelta(days=8))
        assert mail.outbox == []
        assert BuddyNote.objects.filter(skipped_at__isnull=False).count() == 2

    def test_an_erased_commitment_s_buddy_is_not_nudged(self, workshop):
        made = with_buddy(workshop, buddy_consents=True)
        assert made.delegate is not None
        privacy.erase_delegate(delegate=made.delegate)
        send(made.created_at + datetime.timedelta(days=8))
        assert buddy_mail() == []

    def test_the_card_says_what_the_buddy_is_told(self):
        text = commitments.who_sees(False)
        assert "If your buddy gets our follow-ups, we email them your action" in text


@pytest.mark.django_db
def test_the_same_day_summary_offers_peers_by_a_link_that_works(workshop, challenges):
    made, _path = committed(workshop, "Ann", challenges[0])
    summary = made.followups.get(kind="summary")
    call_command(
        "send_followups",
        base_url="https://f.example",
        now=summary.due_at.isoformat(),
        stdout=io.StringIO(),
    )
    (message,) = mail.outbox
    peers_url = next(line for line in message.body.splitlines() if line.endswith("/peers/"))
    assert "Meet peers from other companies" in message.body
    html = message.alternatives[0][0]
    assert f'href="{peers_url}"' in html
    page = Client().get(peers_url.removeprefix("https://f.example"))
    assert page.status_code == 200
    assert b"Offer me peers" in page.content


# --- saying yes on the phone, under the card ----------------------------------------------------

HTMX = {"HTTP_HX_REQUEST": "true"}


def say_yes(client: Client, workshop, commitment, company: str, **changes):
    data = {
        "peers-commitment": commitment.pk if isinstance(commitment, Commitment) else commitment,
        "peers-name": "Someone",
        "peers-company": company,
        "peers-email": "someone@peer.example",
        "peers-agree": "on",
        **changes,
    }
    data = {k: v for k, v in data.items() if v != ""}
    return client.post(f"/w/{workshop.pk}/commitments/peers/", data, **HTMX)


@pytest.mark.django_db
class TestSayingYesOnThePhone:
    def test_the_card_region_offers_peers_and_says_what_it_means(self, workshop, challenges):
        client, made = on_phone(workshop, "Ann", challenges[0])
        workshop.current_step = made.step
        workshop.save(update_fields=["current_step"])
        page = client.get(f"/w/{workshop.pk}/commitments/", **HTMX)
        assert page.status_code == 200
        text = page.content.decode()
        assert "We suggest two or three peers from other companies" in text
        assert "nobody learns anything about you until you both accept" in text
        assert f'name="peers-commitment" value="{made.pk}"' in text
        assert 'value="ann@example.com"' in text  # the card's address, offered to reuse
        assert 'aria-describedby="id_peers-agree_helptext"' in text
        assert 'id="id_peers-agree_helptext"' in text
        assert 'id="my-commitments-' in text  # inside the phone's card region

    def test_yes_over_htmx_opts_in_matches_and_shows_the_peers_page_link(
        self, workshop, challenges
    ):
        ann, ann_card = on_phone(workshop, "Ann", challenges[0])
        ben, ben_card = on_phone(workshop, "Ben", challenges[0])
        assert say_yes(ann, workshop, ann_card, "Acme").status_code == 200
        response = say_yes(ben, workshop, ben_card, "Brill")
        assert response.status_code == 200
        text = response.content.decode()
        assert "You said yes to peers." in text
        assert "Peers from other companies: you said yes." in text
        assert "Suggest me peers" not in text  # asked once per commitment
        offer = PeerOffer.objects.get()
        assert {offer.first.commitment_id, offer.second.commitment_id} == {
            ann_card.pk,
            ben_card.pk,
        }
        link = re.search(r'href="(/c/\d+/[^/]+/peers/)"', text)
        assert link is not None
        page = Client().get(link.group(1))
        assert page.status_code == 200
        assert "also working on “Changeover time”" in page.content.decode()
        assert "Acme" not in page.content.decode()  # nothing of the other side

    def test_without_scripts_yes_opens_the_peers_page(self, workshop, challenges):
        client, made = on_phone(workshop, "Ann", challenges[0])
        response = client.post(
            f"/w/{workshop.pk}/commitments/peers/",
            {
                "peers-commitment": made.pk,
                "peers-name": "Ann",
                "peers-company": "Acme",
                "peers-email": "ann@peer.example",
                "peers-agree": "on",
            },
        )
        assert response.status_code == 302
        assert re.fullmatch(rf"/c/{made.pk}/[^/]+/peers/\?saved=1", response["Location"])
        page = Client().get(response["Location"]).content.decode()
        assert "You are opted in as Ann of Acme" in page

    @pytest.mark.parametrize(
        ("changes", "message"),
        [
            ({"peers-agree": ""}, "Tick the box to opt in."),
            ({"peers-company": "   "}, "This field is required."),
            ({"peers-company": "x" * 121}, "at most 120 characters"),
            ({"peers-email": "not an address"}, "Enter a valid email address."),
        ],
    )
    def test_something_to_fix_comes_back_with_its_message(
        self, workshop, challenges, changes, message
    ):
        client, made = on_phone(workshop, "Ann", challenges[0])
        response = say_yes(client, workshop, made, "Acme", **changes)
        assert response.status_code == 400
        assert message in response.content.decode()
        assert 'role="alert"' in response.content.decode()
        assert not PeerOptIn.objects.exists()

    def test_a_finished_workshop_refuses_with_a_message(self, workshop, challenges):
        client, made = on_phone(workshop, "Ann", challenges[0])
        close_workshop(workshop=workshop)
        response = say_yes(client, workshop, made, "Acme")
        assert response.status_code == 409
        assert "This workshop has finished" in response.content.decode()
        assert not PeerOptIn.objects.exists()
        card = client.get(f"/w/{workshop.pk}/commitments/", **HTMX)
        assert "Suggest me peers" not in card.content.decode()

    def test_a_phone_that_has_not_joined_is_refused(self, workshop, challenges):
        _client, made = on_phone(workshop, "Ann", challenges[0])
        response = say_yes(Client(), workshop, made, "Acme")
        assert response.status_code == 404
        assert b"This phone has not joined that workshop" in response.content
        assert not PeerOptIn.objects.exists()

    def test_another_delegates_or_workshops_commitment_is_the_same_as_none(
        self, workshop, other_workshop, challenges
    ):
        ann, _ann_card = on_phone(workshop, "Ann", challenges[0])
        _ben, ben_card = on_phone(workshop, "Ben", challenges[0])
        _cat, cat_card = on_phone(other_workshop, "Cat")
        answers = [
            say_yes(ann, workshop, ben_card, "Acme"),
            say_yes(ann, workshop, cat_card, "Acme"),
            say_yes(ann, workshop, 999999, "Acme"),
        ]
        assert [r.status_code for r in answers] == [404, 404, 404]
        assert len({r.content for r in answers}) == 1
        assert b"not one of yours" in answers[0].content
        assert not PeerOptIn.objects.exists()

    @pytest.mark.parametrize("forged", ["", "abc", "-1", "99999999999999"])
    def test_a_garbled_commitment_id_is_not_understood(self, workshop, challenges, forged):
        client, _made = on_phone(workshop, "Ann", challenges[0])
        response = say_yes(client, workshop, forged, "Acme")
        assert response.status_code == 400
        assert b"not understood" in response.content
        assert not PeerOptIn.objects.exists()

    def test_a_replayed_yes_opts_in_once_and_offers_once(self, workshop, challenges):
        ann, ann_card = on_phone(workshop, "Ann", challenges[0])
        ben, ben_card = on_phone(workshop, "Ben", challenges[0])
        say_yes(ann, workshop, ann_card, "Acme")
        for _ in range(2):
            assert say_yes(ben, workshop, ben_card, "Brill").status_code == 200
        assert PeerOptIn.objects.count() == 2
        assert PeerOffer.objects.count() == 1

    def test_an_erased_delegate_s_card_offers_no_peers_and_a_stale_yes_is_refused(
        self, workshop, challenges
    ):
        ann, ann_card = on_phone(workshop, "Ann", challenges[0])
        ben, ben_card = on_phone(workshop, "Ben", challenges[0])
        say_yes(ann, workshop, ann_card, "Acme")
        say_yes(ben, workshop, ben_card, "Brill")
        assert PeerOffer.objects.count() == 1
        privacy.erase_delegate(delegate=ben_card.delegate)
        assert not PeerOffer.objects.exists()
        # The erased phone's stale button: its cookie no longer finds the delegate.
        assert say_yes(ben, workshop, ben_card, "Brill").status_code == 404
        assert list(PeerOptIn.objects.values_list("company", flat=True)) == ["Acme"]
        assert not PeerTopic.objects.exclude(opt_in__company="Acme").exists()

    def test_a_declined_offer_is_not_made_again_when_they_say_yes_again(self, workshop, challenges):
        ann, ann_card = on_phone(workshop, "Ann", challenges[0])
        ben, ben_card = on_phone(workshop, "Ben", challenges[0])
        say_yes(ann, workshop, ann_card, "Acme")
        ben_page = say_yes(ben, workshop, ben_card, "Brill").content.decode()
        offer = PeerOffer.objects.get()
        link = re.search(r'href="(/c/\d+/[^/]+/peers/)"', ben_page)
        assert link is not None
        assert answer(link.group(1)[: -len("peers/")], offer, "decline").status_code == 302
        say_yes(ben, workshop, ben_card, "Brill Foods")
        say_yes(ann, workshop, ann_card, "Acme")
        assert list(PeerOffer.objects.values_list("pk", "second_answer")) == [(offer.pk, "decline")]


# --- the open peers page follows the other side ------------------------------------------------


def shown_version(path: str) -> str:
    page = Client().get(path + "peers/").content.decode()
    found = re.search(r'id="peer-offers"[^>]*data-version="(\w+)"', page)
    assert found is not None, page
    return found.group(1)


def poll(path: str, version: str):
    return Client().get(path + "peers/", {"part": "offers", "v": version})


@pytest.mark.django_db
class TestTheOpenPageFollows:
    def test_the_page_asks_again_every_20_seconds_and_an_unchanged_region_is_a_204(self, pair):
        ann_path, _ben_path, _offer = pair
        page = Client().get(ann_path + "peers/").content.decode()
        assert 'hx-trigger="every 20s"' in page
        response = poll(ann_path, shown_version(ann_path))
        assert response.status_code == 204
        assert response.content == b""
        assert "no-store" in response["Cache-Control"]

    def test_a_new_offer_reaches_the_open_page(self, workshop, challenges):
        _a, ann_path = committed(workshop, "Ann", challenges[0])
        _b, ben_path = committed(workshop, "Ben", challenges[0])
        opt_in(ann_path, *ANN[:2])
        before = shown_version(ann_path)
        assert poll(ann_path, before).status_code == 204
        opt_in(ben_path, *BEN[:2])
        response = poll(ann_path, before)
        assert response.status_code == 200
        region = response.content.decode()
        assert region.startswith('<div id="peer-offers"')
        assert "also working on “Changeover time”" in region
        assert shows_none_of(region, BEN)
        assert "no-store" in response["Cache-Control"]

    def test_the_other_side_accepting_alone_changes_nothing_on_my_page(self, pair):
        ann_path, ben_path, offer = pair
        before = shown_version(ann_path)
        answer(ben_path, offer, "accept")
        assert poll(ann_path, before).status_code == 204  # nothing to learn from it

    def test_the_introduction_reaches_the_open_page_of_whoever_accepted_first(self, pair):
        ann_path, ben_path, offer = pair
        answer(ann_path, offer, "accept")
        ann_before, ben_before = shown_version(ann_path), shown_version(ben_path)
        answer(ben_path, offer, "accept")
        ann_sees = poll(ann_path, ann_before).content.decode()
        assert f"{BEN[0]}, {BEN[1]}" in ann_sees
        assert BEN[2] in ann_sees
        ben_sees = poll(ben_path, ben_before).content.decode()
        assert f"{ANN[0]}, {ANN[1]}" in ben_sees

    def test_a_decline_reaches_the_open_page_and_reveals_nobody(self, pair):
        ann_path, ben_path, offer = pair
        answer(ann_path, offer, "accept")
        before = shown_version(ann_path)
        answer(ben_path, offer, "decline")
        response = poll(ann_path, before)
        assert response.status_code == 200
        region = response.content.decode()
        assert "No introduction this time. Nothing was shared." in region
        assert shows_none_of(region, BEN)

    def test_an_erasure_removes_the_offer_from_the_open_page(self, pair):
        ann_path, _ben_path, offer = pair
        answer(ann_path, offer, "accept")
        before = shown_version(ann_path)
        privacy.erase_delegate(delegate=offer.second.commitment.delegate)
        region = poll(ann_path, before).content.decode()
        assert "No offers yet" in region
        assert shows_none_of(region, BEN)

    def test_a_forged_link_cannot_ask(self, pair):
        _ann_path, _ben_path, offer = pair
        response = Client().get(
            f"/c/{offer.first.commitment_id}/{'x' * 43}/peers/", {"part": "offers", "v": "x"}
        )
        assert response.status_code == 404


# --- the cost of one opt-in --------------------------------------------------------------------


def crowd(workshop, n: int) -> list[Option]:
    """`n` delegates of `n` companies opted in, spread over ten challenges (n/10 on each);
    an eleventh challenge is nobody's."""
    labels = [f"Challenge {k}" for k in range(11)]
    options = list(open_vote_on_screen(workshop, labels).options.order_by("id"))
    for i in range(n):
        made, _path = committed(workshop, f"P{i}", options[i % 10])
        peers.opt_in(commitment=made, name=f"P{i}", company=f"Company {i}", email="p@example.com")
    return options


@pytest.mark.django_db
class TestTheCostOfOneOptIn:
    def one_more(self, workshop, options, monkeypatch) -> tuple[int, int, int]:
        """(queries, pairs scored, offers made) for one more opt-in, on challenge 0."""
        made, _path = committed(workshop, "Newcomer", options[0])
        scored = []
        real = peers_matching.match
        monkeypatch.setattr(peers_matching, "match", lambda a, b: scored.append(1) or real(a, b))
        offers_before = PeerOffer.objects.count()
        with CaptureQueriesContext(connection) as queries:
            peers.opt_in(commitment=made, name="New", company="Newco", email="n@example.com")
        monkeypatch.undo()
        return len(queries), len(scored), PeerOffer.objects.count() - offers_before

    def test_the_queries_are_the_same_with_10_and_50_opted_in(
        self, workshop, other_workshop, monkeypatch, django_assert_max_num_queries
    ):
        small = crowd(workshop, 10)
        large = crowd(other_workshop, 50)
        queries_10, scored_10, offered_10 = self.one_more(workshop, small, monkeypatch)
        queries_50, scored_50, offered_50 = self.one_more(other_workshop, large, monkeypatch)
        assert queries_10 == queries_50
        # The one on challenge 0 of ten has no offer yet; of the five of fifty, one has
        # fewer than three (five share seven offers).
        assert (offered_10, offered_50) == (1, 1)
        # Scored against the candidates sharing its challenge only (1 of 10; 5 of 50).
        assert (scored_10, scored_50) == (1, 5)
        made, _path = committed(other_workshop, "Later", large[1])
        with django_assert_max_num_queries(queries_50):
            peers.opt_in(commitment=made, name="L", company="Laterco", email="l@example.com")

    def test_an_opt_in_sharing_nothing_scores_nobody(self, workshop, monkeypatch):
        options = crowd(workshop, 20)
        made, _path = committed(workshop, "Loner", options[10])  # nobody's, and no Snapshot
        scored = []
        monkeypatch.setattr(peers_matching, "match", lambda a, b: scored.append(1))
        opted = peers.opt_in(commitment=made, name="L", company="Lone", email="l@example.com")
        assert scored == []
        assert list(opted.topics.values_list("key", flat=True)) == ["challenge 10"]

    def test_the_topics_go_with_an_erasure_and_with_retention(self, pair, workshop):
        assert PeerTopic.objects.count() == 2
        ben = PeerOptIn.objects.get(name=BEN[0])
        privacy.erase_delegate(delegate=ben.commitment.delegate)
        assert list(PeerTopic.objects.values_list("opt_in__name", flat=True)) == [ANN[0]]
        event = workshop.event
        privacy.apply_retention(
            today=event.date + datetime.timedelta(days=event.retention_days + 1)
        )
        assert not PeerTopic.objects.exists()

    def test_two_people_are_offered_once_though_their_other_opt_ins_share_another_challenge(
        self, workshop, challenges
    ):
        ann_a = committed(workshop, "Ann", challenges[0])[0]
        ben_a = committed(workshop, "Ben", challenges[0])[0]
        ann_b, ben_b = (another(made, challenges[1]) for made in (ann_a, ben_a))
        for made, company in ((ann_a, "Acme"), (ben_a, "Brill"), (ann_b, "Acme"), (ben_b, "Brill")):
            peers.opt_in(commitment=made, name="X", company=company, email="x@example.com")
        offer = PeerOffer.objects.get()
        assert {offer.first.commitment_id, offer.second.commitment_id} == {ann_a.pk, ben_a.pk}

    def test_an_erased_opt_in_is_nobody_s_candidate(self, pair, workshop, challenges):
        ben = PeerOptIn.objects.get(name=BEN[0])
        privacy.erase_delegate(delegate=ben.commitment.delegate)
        cid, _path = committed(workshop, "Cid", challenges[0])
        peers.opt_in(commitment=cid, name="Cid", company="Cole Cans", email="c@example.com")
        offer = PeerOffer.objects.get()
        assert (offer.first.name, offer.second.name) == (ANN[0], "Cid")


def another(made: Commitment, option: Option) -> Commitment:
    """A second commitment of the same delegate, about `option`."""
    return commitments.make_commitment(
        workshop_id=made.step.workshop_id,
        delegate_id=made.delegate_id,
        step_id=made.step_id,
        card=Card(
            action="cut scrap on the press",
            first_step_when="When the shift starts",
            first_step_then="weigh the scrap bin",
            first_step_on=made.first_step_on,
            measure="scrap under 2%",
            done_by=made.done_by,
            link=f"option:{option.pk}",
        ),
    )
