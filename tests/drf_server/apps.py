"""The Django app that owns the models (no migrations: the server creates the tables itself)."""

from __future__ import annotations

from django.apps import AppConfig


class DrfServerConfig(AppConfig):
    name = "tests.drf_server"
    label = "drf_server"
    default_auto_field = "django.db.models.BigAutoField"
