from bonnebouffe.core.models import Notification
from bonnebouffe.core.services import notification_send


def test_members_see_their_organisations_notifications_and_no_one_elses(tiny_network):
    notification_send(
        message="Nouvelle offre de la ferme",
        url="/dons/",
        organisation_ids=[tiny_network.hub_roussillon.pk],
    )
    notification_send(message="Offre pour HSL", organisation_ids=[tiny_network.hub_hsl.pk])
    page = tiny_network.client("coord_r").get("/notifications/").content.decode()
    assert "Nouvelle offre de la ferme" in page and "Offre pour HSL" not in page


def test_marking_all_read_clears_the_badge(tiny_network):
    notification_send(message="Rappel", user_ids=[tiny_network.users["coord_r"].pk])
    client = tiny_network.client("coord_r")
    assert 'class="badge">1' in client.get("/").content.decode()
    client.post("/notifications/")
    assert Notification.objects.filter(read_at__isnull=True).count() == 0
    assert 'class="badge"' not in client.get("/").content.decode()
