"""An abstract mixin that gives any user model the profile fields WeChat logins fill in."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import models
from django.utils.translation import gettext_lazy as _


class Gender(models.IntegerChoices):
    """WeChat's gender codes (``sex`` / ``gender``): 0 unknown, 1 male, 2 female."""

    UNKNOWN = 0, _("unknown")
    MALE = 1, _("male")
    FEMALE = 2, _("female")


if TYPE_CHECKING:
    _URLFieldBase = models.URLField[Any, str]
else:  # model fields are generic only in django-stubs, not at run time
    _URLFieldBase = models.URLField


class HTTPSURLField(_URLFieldBase):
    """A URL field whose form field assumes ``https://`` for a URL typed without a scheme.

    WeChat avatar URLs are https; this is also Django 6's default, chosen here explicitly so forms
    (the admin) behave the same on Django 5.2 and 6.x.
    """

    def formfield(self, **kwargs: Any) -> Any:
        kwargs.setdefault("assume_scheme", "https")
        return super().formfield(**kwargs)


class WeChatProfileMixin(models.Model):
    """Nickname, avatar, gender and phone number, as WeChat reports them.

    Mix it into a custom user model::

        class User(WeChatProfileMixin, AbstractUser):
            pass

    The login pipeline sets these fields when the user model has them and leaves them alone when
    it does not, so the mixin is optional.
    """

    nickname = models.CharField(_("nickname"), max_length=64, blank=True)
    avatar_url = HTTPSURLField(_("avatar URL"), max_length=512, blank=True)
    gender = models.PositiveSmallIntegerField(_("gender"), choices=Gender.choices, default=Gender.UNKNOWN)
    phone_number = models.CharField(_("phone number"), max_length=32, blank=True, db_index=True)

    class Meta:
        abstract = True
