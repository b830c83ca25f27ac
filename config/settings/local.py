"""Local development and the embedded demo: DEBUG on unless told otherwise."""

import os

from .base import *  # noqa: F403

DEBUG = os.environ.get("DEBUG", "1") == "1"
