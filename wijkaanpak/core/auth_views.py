"""Login with a password, then the second factor (django-otp TOTP)."""

from django import forms
from django.conf import settings
from django.contrib.auth import views as auth_views
from django.shortcuts import redirect, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.generic import FormView
from django_otp import login as otp_login
from django_otp import match_token

from .access import otp_step

OTP_INVALID = "Deze code klopt niet of is al gebruikt. Probeer de volgende code uit uw app."


class WijkaanpakLoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    redirect_authenticated_user = True


class OtpForm(forms.Form):
    token = forms.CharField(
        label="Code uit uw authenticator-app",
        max_length=8,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.device = None

    def clean_token(self):
        token = self.cleaned_data["token"].strip()
        # match_token checks every confirmed device of the user and refuses a replayed token.
        device = match_token(self.user, token)
        if device is None:
            raise forms.ValidationError(OTP_INVALID)
        self.device = device
        return token


@otp_step
class OtpVerifyView(FormView):
    template_name = "registration/otp_verify.html"
    form_class = OtpForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def dispatch(self, request, *args, **kwargs):
        if not settings.OTP_REQUIRED or request.user.is_verified():
            return redirect(settings.LOGIN_REDIRECT_URL)
        return super().dispatch(request, *args, **kwargs)

    def form_valid(self, form):
        # django_otp.login rotates the session key after the second factor (R11).
        otp_login(self.request, form.device)
        self.request.session.cycle_key()
        next_url = self.request.GET.get("next", "")
        if not url_has_allowed_host_and_scheme(next_url, {self.request.get_host()}):
            next_url = resolve_url(settings.LOGIN_REDIRECT_URL)
        return redirect(next_url)
