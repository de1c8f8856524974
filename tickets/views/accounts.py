"""Account pages that differ on a tenant host: the password-reset mail goes through the outbox."""

from django.contrib.auth import views as auth_views

from tenancy.roles import public
from tickets.forms import OutboxPasswordResetForm

password_reset = public(
    auth_views.PasswordResetView.as_view(
        form_class=OutboxPasswordResetForm,
        email_template_name="registration/password_reset_email.txt",
        subject_template_name="registration/password_reset_subject.txt",
    )
)
