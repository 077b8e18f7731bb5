"""Load test of the portal (docs/performance.md): the main screens and API lists of the 1M-case bench region.

Loopback only; run through bench/loadtest/run.sh, which bounds it in users and time. Two kinds of users:
a bureau clerk (whole region) and a hospital clerk (own hospital), each signing in once through the login form
(CSRF, django-axes) and once through the API token endpoint, then reading pages with short think times.
"""
from __future__ import annotations

import os
import random
import re
from urllib.parse import urlsplit

from locust import HttpUser, between, events, task

PASSWORD = os.environ.get("LOADTEST_PASSWORD", "Load-test-2026")
REGION = os.environ.get("LOADTEST_REGION", "990100")
CSRF_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@events.test_start.add_listener
def _loopback_only(environment, **kwargs):
    host = urlsplit(environment.host or "").hostname or ""
    if not (host == "localhost" or host.startswith("127.") or host == "::1"):
        raise SystemExit(f"refusing to load-test {host!r}: loopback addresses only")


class PortalUser(HttpUser):
    abstract = True
    wait_time = between(0.5, 2.0)
    username = ""

    def on_start(self):
        page = self.client.get("/login/", name="login form")
        token = CSRF_RE.search(page.text)
        with self.client.post("/login/", data={"username": self.username, "password": PASSWORD,
                                               "csrfmiddlewaretoken": token.group(1) if token else ""},
                              headers={"Referer": f"{self.host}/login/"}, name="login submit",
                              allow_redirects=False, catch_response=True) as response:
            if response.status_code != 302:
                response.failure(f"login refused: {response.status_code}")
        answer = self.client.post("/api/v1/auth/token/", json={"username": self.username, "password": PASSWORD},
                                  name="api token")
        self.api_headers = {"Authorization": f"Token {answer.json().get('token', '')}"} if answer.ok else {}

    def page(self, url: str, name: str):
        self.client.get(url, name=name)

    def api(self, url: str, name: str):
        self.client.get(url, name=name, headers=self.api_headers)


class BureauClerk(PortalUser):
    weight = 3
    username = "load_bureau"

    @task(2)
    def dashboard(self):
        self.page("/", "screen: dashboard")

    @task(4)
    def cases(self):
        self.page("/cases/", "screen: cases")

    @task(2)
    def cases_filtered(self):
        self.page(f"/cases/?period=2025&hospital=H{REGION}{random.randint(1, 300):05d}", "screen: cases by hospital")

    @task(1)
    def cases_deep_page(self):
        self.page(f"/cases/?page={random.randint(2, 200)}", "screen: cases page N")

    @task(1)
    def case_search(self):
        self.page(f"/cases/?q={REGION}-2025-{random.randint(1, 999999):07d}", "screen: case search")

    @task(2)
    def hospitals(self):
        self.page("/hospitals/", "screen: hospitals")

    @task(1)
    def runs(self):
        self.page("/settlement/runs/", "screen: settlement runs")

    @task(1)
    def applications(self):
        self.page("/applications/", "screen: applications")

    @task(4)
    def api_cases(self):
        self.api("/api/v1/cases/", "api: cases")

    @task(2)
    def api_cases_month(self):
        self.api(f"/api/v1/cases/?period=2025-{random.randint(1, 12):02d}", "api: cases by month")

    @task(2)
    def api_hospitals(self):
        self.api("/api/v1/hospitals/", "api: hospitals")

    @task(1)
    def api_runs(self):
        self.api("/api/v1/settlement-runs/", "api: settlement runs")

    @task(1)
    def api_applications(self):
        self.api("/api/v1/applications/", "api: applications")


class HospitalClerk(PortalUser):
    weight = 1
    username = "load_hospital"

    @task(2)
    def dashboard(self):
        self.page("/", "screen: dashboard (hospital)")

    @task(3)
    def cases(self):
        self.page("/cases/", "screen: cases (hospital)")

    @task(3)
    def api_cases(self):
        self.api("/api/v1/cases/", "api: cases (hospital)")

    @task(1)
    def applications(self):
        self.page("/applications/", "screen: applications (hospital)")
