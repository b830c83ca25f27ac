from datetime import timedelta

import pytest
from django.utils import timezone

from bonnebouffe.accounts.services import user_create
from bonnebouffe.education.errors import EducationError, EducationErrorCode
from bonnebouffe.education.models import NeedsSurveyResponse, Workshop
from bonnebouffe.education.selectors import workshop_list_upcoming, workshop_seats_taken
from bonnebouffe.education.services import (
    survey_response_submit,
    workshop_register,
    workshop_registration_cancel,
)
from bonnebouffe.territory.models import MRC, Municipality


def _users(n):
    return [user_create(username=f"p{i}", password="not-used-here-123") for i in range(n)]


def _register(edu, user, seats):
    return workshop_register(
        network_id=edu.g.tn.network.pk, workshop_id=edu.kitchen.pk, user=user, seats=seats
    )


def _code(call):
    with pytest.raises(EducationError) as exc:
        call()
    return exc.value.code


def test_registrations_fill_a_workshop_up_to_its_capacity_and_never_beyond(edu):
    a, b = _users(2)
    _register(edu, a, 3)
    assert _code(lambda: _register(edu, b, 3)) == EducationErrorCode.NOT_ENOUGH_SEATS
    _register(edu, b, 2)
    assert workshop_seats_taken(workshop_id=edu.kitchen.pk) == edu.kitchen.capacity == 5


def test_a_full_workshop_refuses_a_registration(edu):
    a, b = _users(2)
    _register(edu, a, 5)
    assert _code(lambda: _register(edu, b, 1)) == EducationErrorCode.WORKSHOP_FULL
    assert workshop_seats_taken(workshop_id=edu.kitchen.pk) == 5


def test_cancelling_frees_the_seats_for_someone_else(edu):
    a, b = _users(2)
    _register(edu, a, 5)
    workshop_registration_cancel(workshop_id=edu.kitchen.pk, user=a)
    assert workshop_seats_taken(workshop_id=edu.kitchen.pk) == 0
    _register(edu, b, 4)
    row = workshop_list_upcoming(network_id=edu.g.tn.network.pk, user_id=b.pk).get()
    assert (row.seats_taken, row.my_seats) == (4, 4)


def test_cancelling_without_a_registration_is_an_error(edu):
    (a,) = _users(1)
    assert _code(lambda: workshop_registration_cancel(workshop_id=edu.kitchen.pk, user=a)) == (
        EducationErrorCode.NOT_REGISTERED
    )


@pytest.mark.parametrize("seats", [0, 7, -1])
def test_a_registration_takes_between_one_and_six_seats(edu, seats):
    (a,) = _users(1)
    assert _code(lambda: _register(edu, a, seats)) == EducationErrorCode.INVALID_SEATS


def test_a_person_registers_only_once_for_a_workshop(edu):
    (a,) = _users(1)
    _register(edu, a, 1)
    assert _code(lambda: _register(edu, a, 1)) == EducationErrorCode.ALREADY_REGISTERED


def test_a_started_or_unpublished_workshop_takes_no_registration(edu):
    (a,) = _users(1)
    Workshop.objects.filter(pk=edu.kitchen.pk).update(
        starts_at=timezone.now() - timedelta(minutes=5)
    )
    assert _code(lambda: _register(edu, a, 1)) == EducationErrorCode.WORKSHOP_STARTED
    Workshop.objects.filter(pk=edu.kitchen.pk).update(
        starts_at=timezone.now() + timedelta(days=1), is_published=False
    )
    assert _code(lambda: _register(edu, a, 1)) == EducationErrorCode.WORKSHOP_UNKNOWN


def test_a_survey_answer_keeps_no_personal_data_and_only_the_networks_places(edu):
    network = edu.g.tn.network
    mrc = MRC.objects.get(name="Roussillon")
    inside = Municipality.objects.get(name="Mercier")
    response = survey_response_submit(
        network_id=network.pk,
        respondent_kind="household",
        mrc=mrc,
        wanted_categories=["protein", "vegetables_fruits", "protein"],
        wanted_products="  Poisson frais  ",
        pickup_municipalities=[inside],
    )
    assert response.wanted_categories == ["vegetables_fruits", "protein"]
    assert response.wanted_products == "Poisson frais"
    assert list(response.pickup_municipalities.all()) == [inside]
    field_names = {f.name for f in NeedsSurveyResponse._meta.get_fields()}
    assert not field_names & {"user", "household", "email", "name", "address"}
