from django.urls import URLPattern, URLResolver

app_name = "allocation"
urlpatterns: list[URLPattern | URLResolver] = []
