"""Delivery.area_counts: a BAG delivery's rows per buurtcode, counted once when it is accepted
(the dashboard read them per request). Filled here for the accepted BAG deliveries there are."""

from django.db import migrations, models
from django.db.models import Count


def fill_area_counts(apps, schema_editor):
    Delivery = apps.get_model("datasharing", "Delivery")
    BagRecord = apps.get_model("datasharing", "BagRecord")
    for delivery in Delivery.objects.filter(source="bag", status="geaccepteerd").only("pk"):
        counts = dict(
            BagRecord.objects.filter(delivery_id=delivery.pk)
            .values("buurtcode")
            .annotate(n=Count("pk"))
            .order_by()
            .values_list("buurtcode", "n")
        )
        Delivery.objects.filter(pk=delivery.pk).update(area_counts=counts)


class Migration(migrations.Migration):
    dependencies = [
        ("datasharing", "0010_merge_mislukt_owner_vault"),
    ]

    operations = [
        migrations.AddField(
            model_name="delivery",
            name="area_counts",
            field=models.JSONField(blank=True, default=dict, verbose_name="adressen per buurt"),
        ),
        migrations.RunPython(fill_area_counts, migrations.RunPython.noop),
    ]
