"""The demo world of `seed_demo`: the six seed regions of interfaces.md §2, their hospitals and users."""
from __future__ import annotations

import datetime as dt
from functools import lru_cache
from typing import Any

DEMO_PASSWORD = "drg-demo-2026"
DEMO_PAYMENT_YEAR = 2026

# (code, name, pinyin, province code, province name, method, province pinyin)
REGIONS = [
    ("341800", "宣城市", "xuancheng", "340000", "安徽省", "DRG", "anhui"),
    ("320900", "盐城市", "yancheng", "320000", "江苏省", "DRG", "jiangsu"),
    ("411200", "三门峡市", "sanmenxia", "410000", "河南省", "DRG", "henan"),
    ("220100", "长春市", "changchun", "220000", "吉林省", "DRG", "jilin"),
    ("220400", "辽源市", "liaoyuan", "220000", "吉林省", "DIP", "jilin"),
    ("530100", "昆明市", "kunming", "530000", "云南省", "DRG", "yunnan"),
]

# (suffix, name pattern, level, grade, type, DRG payment from) — every level and type, one hospital
# not yet DRG-paid and one new in the payment year (new-hospital coefficient rule, domain §3).
HOSPITALS = [
    ("00001", "{city}人民医院", 3, "甲", "general", dt.date(2021, 1, 1)),
    ("00002", "{city}第二人民医院", 3, "甲", "general", dt.date(2021, 1, 1)),
    ("00003", "{city}中医院", 3, "甲", "tcm", dt.date(2021, 1, 1)),
    ("00004", "{city}妇幼保健院", 3, "乙", "maternal", dt.date(2021, 1, 1)),
    ("00005", "{city}第三人民医院", 2, "甲", "general", dt.date(2021, 7, 1)),
    ("00006", "{city}肿瘤医院", 2, "甲", "specialty", dt.date(2021, 7, 1)),
    ("00007", "{city}中西医结合医院", 2, "乙", "tcm", dt.date(2022, 1, 1)),
    ("00008", "{city}城东社区卫生服务中心", 1, "未定级", "primary", dt.date(2022, 1, 1)),
    ("00009", "{city}红星乡卫生院", 1, "丙", "primary", dt.date(2022, 1, 1)),
    ("00010", "{city}康复医院", 2, "丙", "specialty", None),
    ("00011", "{city}新区医院", 2, "乙", "general", dt.date(DEMO_PAYMENT_YEAR, 1, 1)),
]


def hospital_code(region_code: str, suffix: str) -> str:
    """National-style code: H + division code + serial, e.g. H34180000001."""
    return f"H{region_code}{suffix}"


def username(pinyin: str, role: str) -> str:
    return f"{pinyin}_{role}"


@lru_cache(maxsize=1)
def demo_password_hash() -> str:
    """The demo password hashed once: PBKDF2 per demo user cost `make run` ~20 s for ~70 users (same password)."""
    from django.contrib.auth.hashers import make_password

    return make_password(DEMO_PASSWORD)


def demo_user_create(**kwargs: Any):
    """`user_create` (memberships, audit) with the shared demo password hash instead of hashing it again."""
    from apps.tenants.models import User
    from apps.tenants.services import user_create

    user = user_create(password="", **kwargs)
    user.password = demo_password_hash()
    User.objects.filter(pk=user.pk).update(password=user.password)
    return user
