

app_name = "coldchain"
urlpatterns: list = []
