"""The Django admin's site: who may enter is the authorization policy's staff rule, like every other
door (kizuna.policy.is_staff). Installed as `default_site`, so `admin.site` is this site."""

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig


class KizunaAdminSite(admin.AdminSite):
    site_header = "Kizuna administration"
    site_title = "Kizuna admin"
    index_title = "Operate Kizuna"
    # The model list beside every page costs a 1,400 px window a third of its lists' width; the index and
    # the breadcrumbs lead everywhere it does.
    enable_nav_sidebar = False

    def has_permission(self, request):
        from kizuna import policy

        return policy.is_staff(request.user)


class KizunaAdminConfig(AdminConfig):
    default_site = "kizuna.admin_site.KizunaAdminSite"
