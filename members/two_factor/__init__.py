"""Two-factor sign-in: a code from an authenticator app (TOTP) or a single-use recovery code
after the password, with django-otp's devices. Required for staff by GYM_STAFF_MFA_REQUIRED
(policy.py), kept to by the middleware, turned on and used on the pages under
`accounts/two-factor/` (views.py); every change of a login's second factor goes through
changes.py."""
