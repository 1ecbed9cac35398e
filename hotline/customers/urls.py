from django.urls import path

from hotline.customers import views

app_name = "customers"
urlpatterns = [
    path("", views.contacts, name="contacts"),
    path("new/", views.contact_new, name="contact_new"),
    path("<int:contact_id>/", views.contact_card, name="contact"),
    path("<int:contact_id>/merge/", views.merge, name="merge"),
    path("<int:contact_id>/consent/", views.consent, name="consent"),
]
