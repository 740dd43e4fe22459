from django.urls import path

from . import views

app_name = "datasharing"

urlpatterns = [
    path(
        "projecten/<slug:slug>/uitvragen/", views.DataRequestListView.as_view(), name="request-list"
    ),
    path(
        "projecten/<slug:slug>/uitvragen/nieuw/",
        views.DataRequestCreateView.as_view(),
        name="request-create",
    ),
    path(
        "projecten/<slug:slug>/uitvragen/<int:pk>/intrekken/",
        views.DataRequestWithdrawView.as_view(),
        name="request-withdraw",
    ),
    path(
        "projecten/<slug:slug>/uitvragen/<int:pk>/leveren/",
        views.DeliveryUploadView.as_view(),
        name="delivery-upload",
    ),
    path("projecten/<slug:slug>/paneel/", views.ProjectPanelView.as_view(), name="project-panel"),
    path("leveringen/<int:pk>/", views.DeliveryDetailView.as_view(), name="delivery-detail"),
    path(
        "leveringen/<int:pk>/voortgang/",
        views.DeliveryProgressView.as_view(),
        name="delivery-progress",
    ),
    path(
        "leveringen/<int:pk>/rapport.csv",
        views.DeliveryReportCsvView.as_view(),
        name="delivery-report-csv",
    ),
]
