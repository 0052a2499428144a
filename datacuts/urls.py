from django.urls import path

from datacuts import views

urlpatterns = [
    path("datacuts/", views.data_cut_list, name="datacuts-list"),
    path("datacuts/freeze/", views.data_cut_freeze, name="datacuts-freeze"),
    path("datacuts/<int:pk>/download/", views.data_cut_download, name="datacuts-download"),
]
