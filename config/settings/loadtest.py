"""The load test (bench/loadtest/run.sh): production settings served over plain HTTP on the loopback address.

Everything of prod.py applies (DEBUG off, CSP, axes, session rules, connection reuse) except what needs TLS:
the test client talks http://127.0.0.1, so no HTTPS redirect, no HSTS and cookies without the Secure flag.
Never use this module for a real deployment.
"""
from .prod import *  # noqa: F401,F403

SECURE_SSL_REDIRECT = False
SECURE_HSTS_SECONDS = 0
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
CONTENT_SECURITY_POLICY["DIRECTIVES"].pop("upgrade-insecure-requests", None)  # noqa: F405
