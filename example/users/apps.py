from django.apps import AppConfig


class UsersConfig(AppConfig):
    name = "example.users"
    label = "users"
    default_auto_field = "django.db.models.BigAutoField"
