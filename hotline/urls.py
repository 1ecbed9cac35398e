from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path

from hotline.api import api
from hotline.desk.urls import portal_patterns
from hotline.knowledge.urls import portal_patterns as kb_portal_patterns

urlpatterns: list[URLPattern | URLResolver] = [
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path("notifications/", include("hotline.notify.urls")),
    path("desk/", include("hotline.desk.urls")),
    path("knowledge/", include("hotline.knowledge.urls")),
    path("portal/kb/", include((kb_portal_patterns, "kb"))),
    path("portal/", include((portal_patterns, "portal"))),
    path("contacts/", include("hotline.customers.urls")),
    path("campaigns/", include("hotline.campaigns.urls")),
    path("workforce/", include("hotline.workforce.urls")),
    path("telephony/", include("hotline.telephony.urls")),
    path("", include("hotline.web.urls")),
]
if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
