from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("reviews", "0017_reviewer_professions_and_slugs")]

    operations = [
        migrations.AlterField(
            model_name="reviewerprofile",
            name="slug",
            field=models.SlugField(
                blank=True,
                help_text="The public page's address; stable.",
                max_length=120,
                unique=True,
            ),
        ),
    ]
