"""The `agents` and `supervisors` groups; supervisors get the model permissions they use."""

from django.db import migrations

SUPERVISOR_PERMISSIONS = {
    "conversations": ["visitor", "conversation"],
    "messaging": ["message", "messageedit"],
}


def create_groups(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    # Permissions are normally created after all migrations; this one needs them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    Group.objects.get_or_create(name="agents")
    supervisors, _ = Group.objects.get_or_create(name="supervisors")
    for app_label, models in SUPERVISOR_PERMISSIONS.items():
        perms = Permission.objects.filter(
            content_type__app_label=app_label, content_type__model__in=models
        )
        supervisors.permissions.add(*perms)


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=["agents", "supervisors"]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("conversations", "0001_initial"),
        ("messaging", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]
