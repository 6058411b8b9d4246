"""PostgreSQL only: a GIN index for full-text search over the passages' terms.

The expression is exactly what `SearchVector("terms", config="simple")` compiles to in
`assist.selectors`, so the planner uses the index for `@@`. Other databases have no such
index; `assist.selectors` falls back to LIKE there.
"""

from django.db import migrations

INDEX = "assist_passage_terms_fts"


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX {INDEX} ON assist_knowledgepassage "
            "USING gin (to_tsvector('simple'::regconfig, COALESCE(terms, '')))"
        )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("assist", "0001_knowledge_base")]

    operations = [migrations.RunPython(create_index, drop_index, elidable=False)]
