from django.urls import path

from goodwill.accounts import token_views, views

app_name = "accounts"
urlpatterns = [
    path("", views.account, name="account"),
    path("password/", views.PasswordChange.as_view(), name="password_change"),
    path("mfa/", views.mfa_page, name="mfa"),
    path("mfa/recovery-codes/", views.mfa_recovery, name="mfa_recovery"),
    path("mfa/remove/", views.mfa_remove, name="mfa_remove"),
    path("tokens/", token_views.tokens, name="tokens"),
    path("tokens/<uuid:token_id>/revoke/", token_views.revoke, name="token_revoke"),
]
