"""Login with a password, then the second factor (django-otp TOTP).

A person without a confirmed authenticator sets one up in the OTP step (scan the QR code,
confirm with a first code); a person who has one can never add another from here.
"""

import base64
from base64 import b32encode
from io import BytesIO

from django import forms
from django.conf import settings
from django.contrib.auth import views as auth_views
from django.shortcuts import redirect, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.generic import FormView

import qrcode
import qrcode.image.svg
from django_otp import devices_for_user, match_token
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from .access import otp_step

OTP_INVALID = "Deze code klopt niet of is al gebruikt. Probeer de volgende code uit uw app."
SETUP_DEVICE_NAME = "Authenticator-app"


def _has_confirmed_device(user) -> bool:
    return any(True for _ in devices_for_user(user, confirmed=True))


def _safe_next(request) -> str:
    next_url = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(
        next_url, {request.get_host()}, require_https=request.is_secure()
    ):
        return resolve_url(settings.LOGIN_REDIRECT_URL)
    return next_url


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
        if not _has_confirmed_device(request.user):
            url = resolve_url("otp-setup")
            if request.GET.get("next"):
                url += "?" + request.GET.urlencode()
            return redirect(url)
        return super().dispatch(request, *args, **kwargs)

    def form_valid(self, form):
        # django_otp.login records the device; a new session key after the second factor (R11).
        otp_login(self.request, form.device)
        self.request.session.cycle_key()
        return redirect(_safe_next(self.request))


class OtpSetupForm(forms.Form):
    token = forms.CharField(
        label="Code uit uw authenticator-app",
        max_length=8,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "class": "utrecht-textbox utrecht-textbox--html-input",
            }
        ),
    )

    def __init__(self, *args, device=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.device = device

    def clean_token(self):
        token = self.cleaned_data["token"].strip()
        if not self.device.verify_token(token):
            raise forms.ValidationError(OTP_INVALID)
        return token


def qr_data_uri(text: str) -> str:
    """An SVG QR code as a data URI, made on the server (CSP allows data: images only)."""
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=2)
    buffer = BytesIO()
    image.save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()


@otp_step
class OtpSetupView(FormView):
    """First-time setup of a TOTP authenticator, only for people without a confirmed one."""

    template_name = "registration/otp_setup.html"
    form_class = OtpSetupForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_verified() or _has_confirmed_device(request.user):
            return redirect("otp-verify")
        # One unconfirmed device per person, kept across page loads so the QR code stays valid.
        self.device = TOTPDevice.objects.filter(user=request.user, confirmed=False).order_by(
            "id"
        ).first() or TOTPDevice.objects.create(
            user=request.user, name=SETUP_DEVICE_NAME, confirmed=False
        )
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "device": self.device}

    def get_context_data(self, **kwargs):
        uri = self.device.config_url
        return {
            **super().get_context_data(**kwargs),
            "otpauth_uri": uri,
            "qr_data_uri": qr_data_uri(uri),
            "secret": b32encode(self.device.bin_key).decode(),
        }

    def form_valid(self, form):
        self.device.confirmed = True
        self.device.save(update_fields=["confirmed"])
        TOTPDevice.objects.filter(user=self.request.user, confirmed=False).delete()
        otp_login(self.request, self.device)
        self.request.session.cycle_key()
        return redirect(_safe_next(self.request))
