from django.urls import path

from notices import views

urlpatterns = [
    path("notices/", views.notice_list, name="notices"),
    path("notices/<int:pk>/read/", views.notice_read, name="notice-read"),
    path("notices/read-all/", views.notices_read_all, name="notices-read-all"),
]
