"""Django: settings module, migrations discovered and run on an in-memory
sqlite database (nothing written), a user created and read back, templates
rendered from a string and from app directories (Django's own and the
site's)."""
import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "django_site.settings")

import django
from django.core.management import call_command

django.setup()
call_command("migrate", verbosity=0)

from django.contrib.auth.models import User
from django.db.migrations.loader import MigrationLoader
from django.template import Context, Template
from django.template.loader import render_to_string

User.objects.create_user("ada", "ada@example.com", "pw")
user = User.objects.get(username="ada")
print(user.email, user.check_password("pw"), User.objects.count())
print(sorted(name for app, name in MigrationLoader(None).disk_migrations if app == "auth")[:3])
print(Template("{% for c in chars %}{{ c|upper }}{% endfor %} {{ n|add:1 }}").render(Context({"chars": "ab", "n": 1})))
print(render_to_string("registration/password_reset_subject.txt", {"site_name": "pybundle"}).strip())
print(render_to_string("django_site/greeting.txt", {"name": "ada lovelace"}).strip())
