"""MatchingRun.risk_buurten: the buurtcodes of a run's risk addresses, stored when the run
succeeds (the risk list read DISTINCT over every risk row per view). Filled here for the
succeeded runs whose rows are still there."""

from django.db import migrations, models


def fill_risk_buurten(apps, schema_editor):
    MatchingRun = apps.get_model("matching", "MatchingRun")
    RiskAddress = apps.get_model("matching", "RiskAddress")
    for run in MatchingRun.objects.filter(status="succeeded").only("pk"):
        buurten = list(
            RiskAddress.objects.filter(run_id=run.pk, is_risk=True)
            .exclude(buurtcode="")
            .order_by("buurtcode")
            .values_list("buurtcode", flat=True)
            .distinct()
        )
        if buurten:
            MatchingRun.objects.filter(pk=run.pk).update(risk_buurten=buurten)


class Migration(migrations.Migration):
    dependencies = [
        ("matching", "0004_chunk_leases"),
    ]

    operations = [
        migrations.AddField(
            model_name="matchingrun",
            name="risk_buurten",
            field=models.JSONField(
                blank=True, default=list, verbose_name="buurten met risicoadressen"
            ),
        ),
        migrations.RunPython(fill_risk_buurten, migrations.RunPython.noop),
    ]
