from django.urls import path

from . import tokens

urlpatterns = [
    path("auth/token/", tokens.TokenLoginApi.as_view(), name="token-login"),
    path("auth/token/rotate/", tokens.TokenRotateApi.as_view(), name="token-rotate"),
    path("auth/token/revoke/", tokens.TokenRevokeApi.as_view(), name="token-revoke"),
    path("auth/token/revoke-all/", tokens.TokenRevokeAllApi.as_view(), name="token-revoke-all"),
]
