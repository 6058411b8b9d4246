"""Supervisors manage the team's canned responses in the admin too."""

from django.db import migrations


def grant(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    # Permissions are normally created after all migrations; this one needs them now.
    app_config = apps.get_app_config("canned")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    supervisors, _ = Group.objects.get_or_create(name="supervisors")
    supervisors.permissions.add(
        *Permission.objects.filter(
            content_type__app_label="canned", content_type__model="cannedresponse"
        )
    )


class Migration(migrations.Migration):
    dependencies = [
        ("canned", "0001_initial"),
        ("messaging", "0002_agent_groups"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
