"""Django: settings module, migrate on sqlite in a temporary directory, a
user created and read back, a template rendered."""
import os
import tempfile

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "django_site.settings")
os.environ["PYBUNDLE_TEST_DB"] = os.path.join(tempfile.mkdtemp(), "db.sqlite3")

import django
from django.core.management import call_command

django.setup()
call_command("migrate", verbosity=0)

from django.contrib.auth.models import User
from django.template import Context, Template

User.objects.create_user("ada", "ada@example.com", "pw")
user = User.objects.get(username="ada")
print(user.email, user.check_password("pw"), User.objects.count())
print(Template("{% for c in chars %}{{ c|upper }}{% endfor %} {{ n|add:1 }}").render(Context({"chars": "ab", "n": 1})))
