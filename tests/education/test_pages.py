from django.test import Client

from bonnebouffe.education.models import NeedsSurveyResponse, WorkshopRegistration
from bonnebouffe.education.services import survey_response_submit, workshop_register
from bonnebouffe.territory.models import MRC, Municipality

from .conftest import translated

NBSP = "\xa0"


def test_an_anonymous_visitor_is_sent_to_sign_in_from_every_page(edu):
    for url in [
        "/education/recettes/",
        f"/education/recettes/{edu.compote.pk}/",
        "/education/budget/",
        "/education/ateliers/",
        "/education/sondage/",
        "/education/sondage/resultats/",
    ]:
        response = Client().get(url)
        assert response.status_code == 302 and "/comptes/" in response["Location"], url


def test_the_recipe_list_shows_surplus_suggestions_and_published_recipes_only(
    edu, django_assert_max_num_queries
):
    client = edu.g.tn.client("household")
    with django_assert_max_num_queries(20):
        page = client.get("/education/recettes/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Accueil" in html  # the page is in French
    assert translated("Cook with this week's surplus") in html
    assert "Pouding au pain et aux pommes" in html and "Compote de pommes" in html
    assert "Brouillon" not in html
    assert translated("Recipes and workshops") in html  # the nav item


def test_a_recipe_page_shows_ingredients_allergens_plate_and_cost_per_tier(edu):
    html = edu.g.tn.client("agency_a1").get(f"/education/recettes/{edu.pudding.pk}/").content
    text = html.decode()
    assert "Légumes et fruits" in text and "Aliments à grains entiers" in text
    assert "Lait" in text  # the milk allergen, in French
    assert "Solidaire" in text and "Privilège" in text and "Au suivant" in text
    assert f"0,70{NBSP}$" in text and f"0,49{NBSP}$" in text and f"0,84{NBSP}$" in text
    assert "<li>Couper.</li>" in text


def test_an_unpublished_recipe_is_not_found(edu):
    assert edu.g.tn.client("household").get(f"/education/recettes/{edu.draft.pk}/").status_code == (
        404
    )


def test_the_budget_helper_shows_the_budget_split_along_the_plate(edu):
    page = edu.g.tn.client("household").get("/education/budget/", {"household_size": "1"})
    assert page.status_code == 200
    text = page.content.decode()
    assert f"150,00{NBSP}$" in text and f"75,00{NBSP}$" in text and f"37,50{NBSP}$" in text
    assert "Légumes et fruits" in text


def test_the_budget_helper_explains_a_bad_household_size(edu):
    client = edu.g.tn.client("household")
    for value in ["0", "13", "deux", ""]:
        page = client.get("/education/budget/", {"household_size": value})
        assert page.status_code == 400, value
        assert "errorlist" in page.content.decode()
    assert translated("Enter a whole number of people, from 1 to 12.") in (
        client.get("/education/budget/", {"household_size": "13"}).content.decode()
    )
    assert client.get("/education/budget/").status_code == 200


def test_a_signed_in_user_registers_and_cancels_from_the_calendar(edu):
    client = edu.g.tn.client("donor")
    page = client.get("/education/ateliers/")
    assert page.status_code == 200 and "Cuisine collective des soupes" in page.content.decode()
    response = client.post(f"/education/ateliers/{edu.kitchen.pk}/inscription/", {"seats": "2"})
    assert response.status_code == 302
    registration = WorkshopRegistration.objects.get()
    assert registration.seats == 2 and registration.user == edu.g.tn.users["donor"]
    client.post(f"/education/ateliers/{edu.kitchen.pk}/annulation/")
    assert not WorkshopRegistration.objects.exists()


def test_a_full_workshop_shows_full_and_refuses_more(edu):
    workshop_register(
        network_id=edu.g.tn.network.pk,
        workshop_id=edu.kitchen.pk,
        user=edu.g.tn.users["admin"],
        seats=5,
    )
    client = edu.g.tn.client("household")
    html = client.get("/education/ateliers/").content.decode()
    assert translated("Full") in html and "inscription/" not in html
    client.post(f"/education/ateliers/{edu.kitchen.pk}/inscription/", {"seats": "1"})
    assert WorkshopRegistration.objects.count() == 1


def test_households_and_agency_staff_answer_the_survey_anonymously(edu):
    roussillon = MRC.objects.get(name="Roussillon")
    mercier = Municipality.objects.get(name="Mercier")
    for username in ["household", "agency_a1"]:
        client = edu.g.tn.client(username)
        assert client.get("/education/sondage/").status_code == 200
        response = client.post(
            "/education/sondage/",
            {
                "respondent_kind": "household" if username == "household" else "agency",
                "mrc": roussillon.pk,
                "wanted_categories": ["protein", "dairy"],
                "wanted_products": "Poisson",
                "pickup_municipalities": [mercier.pk],
            },
        )
        assert response.status_code == 302
    assert NeedsSurveyResponse.objects.count() == 2
    assert edu.g.tn.client("donor").get("/education/sondage/").status_code == 403


def test_survey_results_are_for_administrators_coordinators_and_evaluators_only(edu):
    survey_response_submit(
        network_id=edu.g.tn.network.pk,
        respondent_kind="household",
        mrc=MRC.objects.get(name="Roussillon"),
        wanted_categories=["protein"],
        wanted_products="Jean Tremblay, 12 rue des Érables",
        pickup_municipalities=[Municipality.objects.get(name="Mercier")],
    )
    assert edu.g.tn.client("household").get("/education/sondage/resultats/").status_code == 403
    assert edu.g.tn.client("agency_a1").get("/education/sondage/resultats/").status_code == 403
    for username in ["admin", "coord_r", "evaluator"]:
        page = edu.g.tn.client(username).get("/education/sondage/resultats/")
        assert page.status_code == 200, username
        text = page.content.decode()
        assert "Roussillon" in text and "Mercier" in text and "Aliments protéinés" in text
        assert "Tremblay" not in text and "Érables" not in text
