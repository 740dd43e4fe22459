from django.urls import path

from . import views

app_name = "transparency"

urlpatterns = [
    # Public (security R1 allowlist): the published page of a project, no login.
    path("<slug:slug>/", views.public_page, name="public"),
    path("<slug:slug>/voorbeeld/", views.PreviewView.as_view(), name="preview"),
    path("<slug:slug>/intrekken/", views.WithdrawView.as_view(), name="withdraw"),
]
