from django.contrib.auth import views as auth_views
from django.urls import path

from accounts import views
from accounts.forms import LogInForm

urlpatterns = [
    path(
        "login/",
        auth_views.LoginView.as_view(
            redirect_authenticated_user=True, authentication_form=LogInForm
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("lockouts/", views.lockouts, name="lockouts"),
    path("language/", views.language_choose, name="language-choose"),
]
