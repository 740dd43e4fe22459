"""Login with a password, then the second factor (django-otp TOTP, or a recovery code).

A second factor is never enrolled from a session that has only passed the password (R8).
A person without a confirmed device sees one page: ask the functioneel beheerder for an
enrolment link (`EnrolmentNeededView`). The link (`enrolment_link`) leads, after the
password, to the set-up of the person's own authenticator (`EnrolmentView`), which ends in
a verified session and recovery codes shown once.
"""

import base64
from base64 import b32encode
from io import BytesIO

from django import forms
from django.conf import settings
from django.contrib.auth import views as auth_views
from django.http import Http404
from django.shortcuts import redirect, render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET
from django.views.generic import FormView, TemplateView

import qrcode
import qrcode.image.svg
from django_otp import login as otp_login
from django_otp import match_token

from .access import has_confirmed_device, otp_step, public
from .exceptions import ApplicationError
from .security_events import OTP_FAILED, security_event_record
from .selectors import enrolment_link_get_for_user
from .services import (
    ENROLMENT_LINK_INVALID,
    enrolment_link_redeem,
    enrolment_token_hash,
)

OTP_INVALID = "Deze code klopt niet of is al gebruikt. Probeer de volgende code uit uw app."
# The hash of the opened link's token (never the token itself: sessions live in the database).
ENROLMENT_SESSION_KEY = "wijkaanpak_enrolment_link"


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
        label="Code uit uw authenticator-app of een herstelcode",
        max_length=8,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autocapitalize": "none", "spellcheck": "false"}
        ),
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.device = None

    def clean_token(self):
        # Recovery codes (django-otp static tokens) are lower-case base32.
        token = self.cleaned_data["token"].strip().lower()
        # match_token checks every confirmed device of the user (the app and the recovery
        # codes) and refuses a replayed TOTP; a recovery code is deleted when it is used.
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
        if not has_confirmed_device(request.user):
            return redirect("otp-enrolment-needed")
        return super().dispatch(request, *args, **kwargs)

    def form_invalid(self, form):
        security_event_record(OTP_FAILED, actor=self.request.user)
        return super().form_invalid(form)

    def form_valid(self, form):
        # django_otp.login records the device; a new session key after the second factor (R11).
        otp_login(self.request, form.device)
        self.request.session.cycle_key()
        return redirect(_safe_next(self.request))


@otp_step
class EnrolmentNeededView(TemplateView):
    """The one page of a password-only session without a device: ask for an enrolment link."""

    template_name = "registration/enrolment_needed.html"

    def dispatch(self, request, *args, **kwargs):
        if not settings.OTP_REQUIRED or request.user.is_verified():
            return redirect(settings.LOGIN_REDIRECT_URL)
        if has_confirmed_device(request.user):
            return redirect("otp-verify")
        return super().dispatch(request, *args, **kwargs)


@public
@require_GET
def enrolment_link(request, token: str):
    """The link as issued. Keeps only the token's hash in the session and continues at a URL
    without the token, so that the token is not in the address bar, the login page's `next`,
    a Referer or a log line after this one request. Reads nothing: no enumeration."""
    request.session[ENROLMENT_SESSION_KEY] = enrolment_token_hash(token)
    return redirect("enrolment")


def _refused(request):
    request.session.pop(ENROLMENT_SESSION_KEY, None)
    return render(
        request,
        "registration/enrolment_refused.html",
        {"message": ENROLMENT_LINK_INVALID},
        status=404,
    )


class EnrolmentForm(forms.Form):
    token = forms.CharField(
        label="Code uit uw authenticator-app",
        max_length=8,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


def qr_data_uri(text: str) -> str:
    """An SVG QR code as a data URI, made on the server (CSP allows data: images only)."""
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=2)
    buffer = BytesIO()
    image.save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()


@otp_step
class EnrolmentView(FormView):
    """Set up the authenticator of the opened enrolment link, after the password.

    Only for the person the link was issued to; any other link (unknown, expired, used,
    superseded, someone else's) gets the same refusal.
    """

    template_name = "registration/enrolment.html"
    form_class = EnrolmentForm

    def dispatch(self, request, *args, **kwargs):
        try:
            self.link = enrolment_link_get_for_user(
                user=request.user, token_hash=request.session.get(ENROLMENT_SESSION_KEY)
            )
        except Http404:
            return _refused(request)
        # The selector returns only links with an authenticator (and only to the signed-in).
        device = self.link.device
        if device is None or not request.user.is_authenticated:
            return _refused(request)
        self.device, self.person = device, request.user
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        device = self.device
        uri = device.config_url
        return {
            **super().get_context_data(**kwargs),
            "otpauth_uri": uri,
            "qr_data_uri": qr_data_uri(uri),
            "secret": b32encode(device.bin_key).decode(),
        }

    def form_valid(self, form):
        request = self.request
        try:
            enrolment = enrolment_link_redeem(
                actor=self.person, link=self.link, code=form.cleaned_data["token"]
            )
        except ApplicationError as error:
            if error.extra.get("field") is None:
                return _refused(request)
            form.add_error(error.extra["field"], error.message)
            return self.form_invalid(form)
        request.session.pop(ENROLMENT_SESSION_KEY, None)
        # Verified with the new device, and a new session key after the second factor (R11).
        otp_login(request, enrolment.device)
        request.session.cycle_key()
        # Rendered here, never stored in the session: the codes are shown this once.
        return render(
            request,
            "registration/enrolment_done.html",
            {"recovery_codes": enrolment.recovery_codes},
        )
