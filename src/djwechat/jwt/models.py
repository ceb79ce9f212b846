"""The server-side half of a JWT session: one row per logged-in device."""

from __future__ import annotations

import secrets
from typing import Any, ClassVar

from django.conf import settings
from django.contrib.sessions.base_session import AbstractBaseSession
from django.db import IntegrityError, models, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class SecretLookupsMixin:
    """A model field that can only be compared whole: ``exact``, ``in`` and ``isnull``.

    Whoever can filter on a column can read it out one character at a time if prefix, pattern
    or range lookups are allowed - ``?jwt_sessions__session_key__startswith=a`` on any admin
    changelist that reaches the sessions (a project's user admin included), a filter backend,
    a search form.  Any other lookup or transform on these fields raises ``FieldError``, which
    the admin answers as an invalid query, the same for every guess.

    The migrations see the plain field (:meth:`deconstruct`): the column is unchanged.
    """

    #: Lookups that only ever compare the whole value.
    ALLOWED_LOOKUPS: ClassVar[frozenset[str]] = frozenset({"exact", "in", "isnull"})

    def get_lookup(self, lookup_name: str) -> Any:
        if lookup_name not in self.ALLOWED_LOOKUPS:
            return None
        return super().get_lookup(lookup_name)  # type: ignore[misc]

    def get_transform(self, lookup_name: str) -> Any:
        return None

    def deconstruct(self) -> Any:
        name, _path, args, kwargs = super().deconstruct()  # type: ignore[misc]
        base = next(cls for cls in type(self).__mro__ if cls.__module__ == "django.db.models.fields")
        return name, f"django.db.models.{base.__name__}", args, kwargs


class SecretCharField(SecretLookupsMixin, models.CharField):  # type: ignore[type-arg]
    """A ``CharField`` that can only be compared whole (see :class:`SecretLookupsMixin`)."""


class SecretTextField(SecretLookupsMixin, models.TextField):  # type: ignore[type-arg]
    """A ``TextField`` that can only be compared whole (see :class:`SecretLookupsMixin`)."""


def new_public_id() -> str:
    """A random, URL-safe id under which a session is shown and revoked (never the session key)."""
    return secrets.token_urlsafe(16)


class JWTSession(AbstractBaseSession):
    """A Django session whose key (``sid``) travels inside signed tokens instead of a cookie.

    ``session_key``, ``session_data`` and ``expire_date`` come from Django's
    ``AbstractBaseSession``, so :class:`djwechat.jwt.session_store.SessionStore` behaves like any
    database session engine.  The extra columns describe the device and drive refresh-token
    rotation: ``refresh_id`` is the ``jti`` of the only refresh token that may be used next;
    ``previous_refresh_id`` and ``rotated_at`` let the token it replaced be accepted again for
    ``JWT.REFRESH_GRACE_SECONDS`` (concurrent refreshes), after which presenting it revokes the
    session.

    The session key (a bearer secret), the session data (it holds WeChat ``session_key``
    values) and the refresh ids accept equality lookups only (:class:`SecretLookupsMixin`).
    """

    # Django's own columns, redeclared only to refuse prefix, pattern and range lookups.
    session_key = SecretCharField(_("session key"), max_length=40, primary_key=True)
    session_data = SecretTextField(_("session data"))
    #: What the owner sees and uses to revoke a device; the session key itself is a bearer secret.
    public_id = models.CharField(_("public id"), max_length=32, unique=True, default=new_public_id)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="jwt_sessions",
        verbose_name=_("user"),
    )
    user_agent = models.CharField(_("user agent"), max_length=256, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    last_seen = models.DateTimeField(_("last seen"))
    refresh_id = SecretCharField(_("current refresh token id"), max_length=64)
    previous_refresh_id = SecretCharField(_("previous refresh token id"), max_length=64, blank=True)
    rotated_at = models.DateTimeField(_("last rotation"), null=True, blank=True)

    class Meta:
        verbose_name = _("JWT session")
        verbose_name_plural = _("JWT sessions")
        indexes = [models.Index(fields=["user", "-last_seen"], name="djwechat_jwt_user_seen")]

    def __str__(self) -> str:
        return f"{self.public_id} ({self.user_id})"

    @classmethod
    def get_session_store_class(cls) -> Any:
        from djwechat.jwt.session_store import SessionStore

        return SessionStore


class RevocationCount(models.Model):
    """How many session rows were ever deleted: one row, bumped in every deletion's transaction.

    The database owns this count; the cache mirrors it (:mod:`djwechat.jwt.record_cache`), and a
    process that sees the cache's copy go backwards knows the cache lost revocations (restored
    from an older snapshot, failed over to a lagging replica) and stops trusting its records.
    The row lock also orders the mirror's writes: revocations bump it one transaction at a time.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    value = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("session revocation count")

    def __str__(self) -> str:
        return str(self.value)

    @classmethod
    def bump(cls, using: str) -> int:
        """Add one revocation (in the caller's transaction) and return the new count."""
        rows = cls._base_manager.using(using).filter(pk=1)
        if not rows.update(value=F("value") + 1):
            try:
                with transaction.atomic(using=using):
                    cls._base_manager.using(using).create(pk=1, value=1)
            except IntegrityError:  # created concurrently
                rows.update(value=F("value") + 1)
        return int(rows.values_list("value", flat=True).get())

    @classmethod
    def current(cls, using: str) -> int:
        """The count as committed (0 before the first revocation)."""
        value = cls._base_manager.using(using).filter(pk=1).values_list("value", flat=True).first()
        return int(value or 0)
