from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path

from bonnebouffe.api.api import api

urlpatterns: list[URLPattern | URLResolver] = [
    path("", include("bonnebouffe.core.urls")),
    path("comptes/", include("bonnebouffe.accounts.urls")),
    path("territoire/", include("bonnebouffe.territory.urls")),
    path("reseau/", include("bonnebouffe.network.urls")),
    path("partenaires/", include("bonnebouffe.partners.urls")),
    path("menages/", include("bonnebouffe.households.urls")),
    path("taches/", include("bonnebouffe.jobs.urls")),
    path("stock/", include("bonnebouffe.inventory.urls")),
    path("dons/", include("bonnebouffe.rescue.urls")),
    path("froid/", include("bonnebouffe.coldchain.urls")),
    path("repartition/", include("bonnebouffe.allocation.urls")),
    path("tournees/", include("bonnebouffe.logistics.urls")),
    path("epicerie/unite-mobile/", include("bonnebouffe.grocery.mobile_urls")),
    path("epicerie/", include("bonnebouffe.grocery.urls")),
    path("education/", include("bonnebouffe.education.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/", api.urls),
]
if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
