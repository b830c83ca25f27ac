"""Copy each lot's category and storage class onto its balances (they never change on a lot)."""

from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def backfill(apps, schema_editor):
    Balance = apps.get_model("inventory", "Balance")
    Lot = apps.get_model("inventory", "Lot")
    lots = Lot.objects.filter(pk=OuterRef("lot_id"))
    Balance.objects.update(
        category=Subquery(lots.values("category")[:1]),
        storage_class=Subquery(lots.values("storage_class")[:1]),
    )


class Migration(migrations.Migration):
    dependencies = [("inventory", "0003_date_kind_label")]

    operations = [
        migrations.AddField(
            model_name="balance",
            name="category",
            field=models.CharField(
                choices=[
                    ("vegetables_fruits", "Vegetables and fruits"),
                    ("protein", "Protein foods"),
                    ("dairy", "Milk and dairy products"),
                    ("whole_grains", "Whole grain foods"),
                    ("bakery", "Bread and bakery"),
                    ("prepared", "Prepared meals"),
                    ("dry_goods", "Dry and canned goods"),
                    ("beverages", "Beverages"),
                    ("infant", "Infant formula and supplements"),
                    ("other", "Other"),
                ],
                default="other",
                max_length=24,
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="balance",
            name="storage_class",
            field=models.CharField(
                choices=[("ambient", "Ambient"), ("refrigerated", "Refrigerated"), ("frozen", "Frozen")],
                default="ambient",
                max_length=16,
            ),
            preserve_default=False,
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="balance",
            index=models.Index(
                fields=["site", "category", "storage_class", "quantity_g"], name="balance_onhand_idx"
            ),
        ),
    ]
