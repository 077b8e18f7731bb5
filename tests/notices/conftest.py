"""Notice worlds: helpers that bring a notice to a state through the services (never by writing the status)."""
from __future__ import annotations

import datetime as dt
import subprocess
import tempfile
from decimal import Decimal
from pathlib import Path

import pytest
from django_scopes import scopes_disabled

from apps.notices import services
from apps.tenants.enums import Role
from apps.tenants.services import user_create
from tests.conftest import PASSWORD
from tests.settlement.conftest import small  # noqa: F401 - the settlement world fixture

TABLE = {"kind": "table", "caption": "附表：参训名单", "headers": ["医院", "人数", "学时"],
         "rows": [["宣城第一人民医院", "12", "3.5"]], "numeric_columns": [1, 2]}


def make_notice(world, key="A", actor_role=Role.BUREAU_ADMIN, **kw):
    w = world[key]
    args = {"type": "general", "title": "关于开展医保支付方式改革培训的通知", "body": "请各定点医疗机构按时参加。",
            "blocks": [TABLE], "addressees": {"all": True}}
    args.update(kw)
    with scopes_disabled():
        return services.notice_create(actor=w.users[actor_role], region=w.region, **args)


def publish(world, notice, key="A"):
    with scopes_disabled():
        return services.notice_publish(actor=world[key].users[Role.BUREAU_ADMIN], notice=notice)


def fresh(notice):
    from apps.notices.models import Notice

    with scopes_disabled():
        return Notice.objects.get(pk=notice.pk)


def hospital_user(world, key="A", index=1, role=Role.HOSPITAL_ADMIN, name=None):
    """A user of hospitals[index] (the world's own hospital users belong to hospitals[0])."""
    w = world[key]
    with scopes_disabled():
        return user_create(actor=None, username=name or f"{key}_h{index}_{role}", password=PASSWORD, name="医院用户",
                           memberships=[{"role": role, "region": w.region, "hospital": w.hospitals[index]}])


def pdf_text(content: bytes) -> str:
    """pdftotext of the bytes with all whitespace removed (titles may wrap across lines)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "doc.pdf"
        path.write_bytes(content)
        out = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True).stdout
    return "".join(out.decode("utf-8").split())


@pytest.fixture
def published(world):
    return publish(world, make_notice(world))


@pytest.fixture
def sources(small):  # noqa: F811 - the imported fixture
    """`small` (tests/settlement) plus payment-year cases, a published March run and an approved application."""
    from apps.settlement.services import settlement_run_publish, settlement_run_start
    from tests.settlement.conftest import YEAR, add_cases, case

    region = small["region"]
    h1, h2 = small["h"][0], small["h"][1]
    day = dt.date(YEAR, 3, 15)
    add_cases([case(h1, "ED11", "8800", day), case(h1, "EC19", "5100", day), case(h1, "ED15", "2950", day),
               case(h2, "ED11", "7400", day), case(h2, "EC19", "4900", day)])
    with scopes_disabled():
        run = settlement_run_start(actor=None, region=region, kind="monthly", period=f"{YEAR}-03", sync=True)
        assert run.status == "ready", run.error
        run = settlement_run_publish(actor=None, run=run)
    return {**small, "run": run, "year": YEAR, "budget": Decimal("1200000.00")}
