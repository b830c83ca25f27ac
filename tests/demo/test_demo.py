from bonnebouffe.demo.services import demo_generate, demo_reset
from bonnebouffe.network.models import Organisation, OrganisationKind
from bonnebouffe.partners.models import Project


def test_the_region_demo_is_deterministic_and_complete(db):
    first = demo_generate(scale="region", seed=7)
    names = sorted(Organisation.objects.values_list("name", "municipality__name"))
    demo_reset()
    assert not Organisation.objects.exists()
    second = demo_generate(scale="region", seed=7)
    assert sorted(Organisation.objects.values_list("name", "municipality__name")) == names
    assert first.agencies == second.agencies == 60
    assert Organisation.objects.filter(kind=OrganisationKind.HUB).count() == 5
    assert set(
        Organisation.objects.filter(kind=OrganisationKind.HUB).values_list("mrc__name", flat=True)
    ) == {
        "Beauharnois-Salaberry",
        "Le Haut-Saint-Laurent",
        "Les Jardins-de-Napierville",
        "Roussillon",
        "Vaudreuil-Soulanges",
    }
    assert Project.objects.count() == 5
    assert {u for u, _r in second.accounts} >= {"admin.reseau", "coord.roussillon", "menage.demo"}


def test_every_demo_account_of_the_sign_in_page_exists(db):
    from bonnebouffe.accounts.models import User
    from bonnebouffe.accounts.views import DEMO_ACCOUNTS

    demo_generate(scale="region", seed=1)
    for username, role in DEMO_ACCOUNTS:
        user = User.objects.get(username=username)
        assert user.memberships.filter(role=role).exists()
        assert user.check_password("bonnebouffe-demo")


def test_the_demo_stock_story_closes_to_the_gram(db):
    from bonnebouffe.coldchain.models import Excursion
    from bonnebouffe.inventory.models import Lot
    from bonnebouffe.inventory.selectors import balance_rebuild_diff, reconcile
    from bonnebouffe.rescue.models import Offer

    summary = demo_generate(scale="region", seed=3, with_stock=True)
    assert summary.lots > 100 and summary.readings > 100
    assert Offer.objects.filter(status="open").exists()  # today's offers, waiting for a hub
    result = reconcile(Lot.objects.all())
    assert result["closes"]
    assert result["by_destination_g"]["food"] > 0
    assert result["by_destination_g"]["compost"] + result["by_destination_g"]["animal_feed"] > 0
    assert balance_rebuild_diff() == []
    assert Excursion.objects.filter(status="open").exists()
