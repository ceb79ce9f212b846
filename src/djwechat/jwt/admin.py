"""Admin for JWT sessions: a list of devices and a "revoke" action, never the session key.

A session's primary key is its session key, the bearer secret inside every token of the
session.  The stock ``ModelAdmin`` would publish it in many places: the change, delete and
history URLs, the value of every row's action checkbox, the hidden inputs of the "delete
selected" confirmation page, the admin log (``LogEntry.object_id``), the links of the "delete
user" page that lists the user's sessions, and - through URL lookups such as
``?session_key__startswith=a`` or ``?pk__startswith=a`` - an oracle that reveals a key one
character at a time to anyone with view permission.

The design is the simplest one that exposes none of that:

* **A list and nothing else.**  Only the changelist URL is routed (:meth:`JWTSessionAdmin.get_urls`):
  there is no add, change, delete or history view to reach by primary key, and since nothing
  can reverse their URL names, related-object pages (deleting a user) show sessions as plain
  text.  A detail page would add nothing: the list already shows every column worth seeing,
  and the session data (which holds WeChat ``session_key`` values) and the refresh ids are
  never shown anywhere.
* **Rows are selected by public id.**  Each checkbox carries the session's ``public_id``;
  :meth:`JWTSessionAdmin.response_action` maps the posted public ids back to rows on the
  server.  A posted session key selects nothing.
* **One action, "Revoke selected sessions"**, which calls
  :func:`djwechat.jwt.sessions.revoke_sessions` - the same delete-and-purge path as logout - so
  the sessions' tokens are refused from the very next request.  It is logged against each
  session's *user* (the message names the public id), not against the session.  Other
  site-wide actions are not offered: they would see primary keys.
* **Lookups from the URL are limited** to the shown, non-secret columns
  (:meth:`JWTSessionAdmin.lookup_allowed`); anything else is refused with 400.

Revoking needs the "delete JWT session" permission; seeing the list needs "view" (or "delete").
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from django.contrib import admin
from django.contrib.admin import helpers
from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.db.models.constants import LOOKUP_SEP
from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from djwechat.jwt.models import JWTSession
from djwechat.jwt.sessions import revoke_sessions

if TYPE_CHECKING:
    _JWTSessionAdminBase = admin.ModelAdmin[JWTSession]
else:  # ModelAdmin is generic only in django-stubs, not at run time
    _JWTSessionAdminBase = admin.ModelAdmin

#: The fields a URL lookup may start with (``?user_agent__contains=…``); lookups on any other
#: field - ``pk``, ``session_key``, ``session_data``, the refresh ids - are refused.  (Names that
#: are not fields, such as the list filters' own parameters, are left to Django's checks.)
LOOKUP_FIELDS = frozenset(
    {"public_id", "user", "user_id", "user_agent", "ip_address", "created_at", "last_seen", "expire_date"}
)


def _field_names() -> set[str]:
    """Every name a lookup can start with on ``JWTSession`` (fields and ``*_id`` columns)."""
    fields = JWTSession._meta.get_fields()
    return {f.name for f in fields} | {str(getattr(f, "attname", f.name)) for f in fields}


class SessionStatusFilter(admin.SimpleListFilter):
    """Live sessions versus expired ones that ``clear_expired()`` has not deleted yet."""

    title = _("status")
    parameter_name = "status"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("live", _("Live")), ("expired", _("Expired"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any] | None:
        now = timezone.now()
        if self.value() == "live":
            return queryset.filter(expire_date__gt=now)
        if self.value() == "expired":
            return queryset.filter(expire_date__lte=now)
        return queryset


@admin.register(JWTSession)
class JWTSessionAdmin(_JWTSessionAdminBase):
    """The users' devices, searchable by user, and revocable; see the module docstring for why
    there is no page per session."""

    list_display = (
        "public_id",
        "user",
        "user_agent",
        "ip_address",
        "created_at",
        "last_seen",
        "expire_date",
    )
    # No links to a change view: there is none, and its URL would hold the session key.
    list_display_links = None
    list_filter = (SessionStatusFilter, "created_at", "last_seen")
    list_select_related = ("user",)
    date_hierarchy = "created_at"
    ordering = ("-last_seen",)
    actions = ("revoke_selected",)

    # ------------------------------------------------------------------ routing

    def get_urls(self) -> list[URLPattern]:
        """Only the list: no view is ever addressed by primary key (the session key)."""
        info = self.opts.app_label, self.opts.model_name
        return [
            path("", self.admin_site.admin_view(self.changelist_view), name="{}_{}_changelist".format(*info))
        ]

    # ------------------------------------------------------------------ permissions

    def has_add_permission(self, request: HttpRequest) -> bool:
        """Sessions are created by logins only."""
        return False

    def has_change_permission(self, request: HttpRequest, obj: JWTSession | None = None) -> bool:
        """Nothing about a session is edited by hand; revoking is the only change."""
        return False

    def has_view_permission(self, request: HttpRequest, obj: JWTSession | None = None) -> bool:
        """Who may revoke sessions may also see them."""
        return super().has_view_permission(request, obj) or self.has_delete_permission(request, obj)

    # ------------------------------------------------------------------ list

    def get_search_fields(self, request: HttpRequest) -> list[str]:
        """The user's login name and email (by substring); never a column of the session itself."""
        user_model = get_user_model()
        fields = [f"user__{user_model.USERNAME_FIELD}"]
        email = user_model.get_email_field_name()
        if any(field.name == email for field in user_model._meta.get_fields()):
            fields.append(f"user__{email}")
        return fields

    def lookup_allowed(self, lookup: str, value: str, request: HttpRequest) -> bool:
        """Refuse URL lookups on anything but the shown columns (no key-guessing oracle)."""
        head = lookup.split(LOOKUP_SEP, 1)[0]
        if head == "pk" or (head in _field_names() and head not in LOOKUP_FIELDS):
            return False
        return bool(super().lookup_allowed(lookup, value, request))

    @admin.display(description=SafeString('<input type="checkbox" id="action-toggle">'))
    def action_checkbox(self, obj: JWTSession) -> SafeString:
        """The row's checkbox, valued by the public id instead of the primary key."""
        return format_html(
            '<input type="checkbox" name="{}" value="{}" class="action-select" aria-label="{}">',
            helpers.ACTION_CHECKBOX_NAME,
            obj.public_id,
            _("Select this object for an action - {}").format(obj),
        )

    # ------------------------------------------------------------------ actions

    def get_actions(self, request: HttpRequest, action_location: Any = None) -> dict[str, Any]:
        """Only this admin's own actions: site-wide ones would work on primary keys."""
        # Django 6.1 passes where the actions are shown (action_location); 5.2 has no such argument.
        base: Any = super().get_actions
        found = base(request) if action_location is None else base(request, action_location=action_location)
        return {name: action for name, action in found.items() if name in self.actions}

    def response_action(
        self, request: HttpRequest, queryset: QuerySet[Any], *args: Any, **kwargs: Any
    ) -> HttpResponse | None:
        """Run an action on the rows whose *public ids* were posted."""
        public_ids = request.POST.getlist(helpers.ACTION_CHECKBOX_NAME)
        # The base class selects rows by primary key; hand it the keys of the posted public ids
        # (server-side only) rather than letting a posted value be read as a session key.  No
        # known public id means no selection ("Items must be selected …").
        keys = queryset.filter(public_id__in=public_ids).values_list("pk", flat=True)
        post = request.POST.copy()
        post.setlist(helpers.ACTION_CHECKBOX_NAME, list(keys))
        request.POST = post  # type: ignore[assignment]
        return super().response_action(request, queryset, *args, **kwargs)

    @admin.action(description=_("Revoke selected sessions"), permissions=["delete"])
    def revoke_selected(self, request: HttpRequest, queryset: QuerySet[JWTSession]) -> None:
        """End the selected sessions exactly as logout does; log each against its user."""
        ended = list(queryset.select_related("user"))
        count = revoke_sessions(queryset)
        for session in ended:
            # Against the user: a session's own log entry would store its key as the object id.
            self.log_change(request, cast(Any, session.user), f"Revoked JWT session {session.public_id}.")
        self.message_user(
            request,
            ngettext("Revoked %(count)d session.", "Revoked %(count)d sessions.", count) % {"count": count},
        )
