"""Account pages that differ on a tenant host: the password-reset mail goes through the outbox."""

from tenancy.roles import public
from tenancy.views import ThrottledPasswordResetView
from tickets.forms import OutboxPasswordResetForm

password_reset = public(
    ThrottledPasswordResetView.as_view(
        form_class=OutboxPasswordResetForm,
        email_template_name="registration/password_reset_email.txt",
        subject_template_name="registration/password_reset_subject.txt",
    )
)
