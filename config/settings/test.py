"""Test settings: fast hashing, jobs run at once unless a test picks a backend."""

from .base import *  # noqa: F403
from .base import TASKS

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
TASKS = {**TASKS, "default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
DEMO_MODE = True
AXES_ENABLED = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
GROCERY_CATALOGUE_CACHE_S = 0  # tests read availability right after each change
# The route solver runs in the test process (a child process per plan is slow); the test of
# cancelling a plan turns the child back on.
LOGISTICS_SOLVE_IN_CHILD = False
