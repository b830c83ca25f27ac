"""Load the shipped territory: Montérégie, its 5 western MRCs and their 65 municipalities."""

import csv
import io
from decimal import Decimal
from importlib import resources

from django.db import migrations
from django.utils.text import slugify


def load(apps, schema_editor):
    Region = apps.get_model("territory", "Region")
    MRC = apps.get_model("territory", "MRC")
    Municipality = apps.get_model("territory", "Municipality")
    text = (
        resources.files("bonnebouffe.territory")
        .joinpath("data", "municipalities-west-monteregie.csv")
        .read_text(encoding="utf-8")
    )
    region, _ = Region.objects.get_or_create(code="16", defaults={"name": "Montérégie"})
    mrcs = {}
    for row in csv.DictReader(io.StringIO(text)):
        name = row["mrc"]
        if name not in mrcs:
            mrcs[name], _ = MRC.objects.get_or_create(
                name=name, defaults={"region": region, "slug": slugify(name)}
            )
        Municipality.objects.update_or_create(
            csd_code=row["csd_code"],
            defaults={
                "name": row["municipality"],
                "csd_type": row["csd_type"],
                "mrc": mrcs[name],
                "population": int(row["population_2021"]) if row["population_2021"] else None,
                "population_year": 2021 if row["population_2021"] else None,
                "latitude": Decimal(row["lat"]),
                "longitude": Decimal(row["lon"]),
                "coords_uncertain": row["coords_quality"] != "confirmed",
            },
        )


class Migration(migrations.Migration):
    dependencies = [("territory", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
