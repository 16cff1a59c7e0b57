"""Settings of the test site: the auth app on an in-memory sqlite
database, and the site's own app (its templates)."""

SECRET_KEY = "test-only"
INSTALLED_APPS = ["django.contrib.contenttypes", "django.contrib.auth", "django_site"]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}
TEMPLATES = [{"BACKEND": "django.template.backends.django.DjangoTemplates", "DIRS": [], "APP_DIRS": True}]
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
