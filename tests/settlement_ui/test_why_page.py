"""The "why this amount" page writes out domain §4's formula of the case's type with the case's own numbers."""
from __future__ import annotations

import html

import pytest
from django.urls import reverse

from apps.tenants.enums import Role

pytestmark = pytest.mark.django_db

# Per fixture case (tests/settlement_ui/conftest.py CASES, same order): texts the page must show (Chinese).
EXPECTED = [
    ["倍率 = 总费用 ÷ 病组均次费用 = 8000.00 ÷ 10000.00 = 0.800000", "正常病例，因为低倍率界值 0.4 ≤ 倍率 0.800000 ≤ 高倍率界值 3",
     "有效基准点数 = 病组 ES23 基准点数 = 100.0000", "点数 = 有效基准点数 = 100.0000",
     "调整后点数 = 点数 × 医疗机构系数 = 100.0000 × 1.0500 = 105.0000", "105.0000 × 68.5730 = 7200.17 元"],
    ["35000.00 ÷ 10000.00 = 3.500000", "倍率 3.500000 > 3 级医疗机构高倍率界值 3",
     "100.0000 +（3.500000 − 3）× 100.0000 = 150.0000", "150.0000 × 1.0500 = 157.5000"],
    ["3000.00 ÷ 10000.00 = 0.300000", "倍率 0.300000 < 3 级医疗机构低倍率界值 0.4",
     "点数 = 总费用 ÷ 全部病例住院均次费用 × 100 = 3000.00 ÷ 10000.00 × 100 = 30.0000",
     "调整后点数 = 点数 = 30.0000（按实际费用计算，不乘医疗机构系数 1.0500）"],
    ["无病组均次费用，不计算倍率", "未入组病例，因为病例未入有效 DRG 病组", "12000.00 ÷ 10000.00 × 100 = 120.0000",
     "调整后点数 = 点数 = 120.0000"],
    ["不稳定病组病例，因为病组 XX19 为不稳定病组或无统计数据", "5000.00 ÷ 10000.00 × 100 = 50.0000"],
    ["激励病例，因为激励病例申请（第 77 号）已批准", "（20000.00 − 1000.00）÷ 10000.00 × 100 = 190.0000",
     "调整后点数 = 点数 = 190.0000"],
    ["特病单议病例，因为特病单议申请（第 78 号）已批准", "（15000.00 − 0.00）÷ 10000.00 × 100 = 150.0000"],
    ["有效基准点数 = 150.0000（已批准手术申请第 79 号；病组 ES23 基准点数 = 100.0000）",
     "点数 = 有效基准点数 = 150.0000", "150.0000 × 1.0500 = 157.5000"],
    ["9500.00 ÷ 10000.00 = 0.950000", "低倍率界值 0.4 ≤ 倍率 0.950000 ≤ 高倍率界值 2", "100.0000 × 0.9500 = 95.0000"],
    ["20000.00 ÷ 18000.00 = 1.111111", "病组 GB15 基准点数 = 180.0000", "180.0000 × 0.9500 = 171.0000"],
]


@pytest.mark.parametrize("index", range(len(EXPECTED)))
def test_why_page_shows_the_cases_own_numbers(client, settled, index):
    result = settled["A"].results[index]
    client.force_login(settled["world"]["A"].users[Role.BUREAU_STAFF])
    response = client.get(reverse("settlement:case_result", args=[result.pk]))
    assert response.status_code == 200
    text = html.unescape(response.content.decode())
    for expected in EXPECTED[index]:
        assert expected in text, expected
    assert result.settlement_id in text
    assert str(result.ratio or "—") in text  # the stored ratio, full precision


def test_why_page_in_english(client, settled):
    result = settled["A"].results[1]
    client.force_login(settled["world"]["A"].users[Role.HOSPITAL_STAFF])
    text = html.unescape(client.get(reverse("settlement:case_result", args=[result.pk]) + "?lang=en").content.decode())
    assert "ratio = total cost / group mean = 35000.00 / 10000.00 = 3.500000" in text
    assert "points = effective base + (ratio − high ratio) × base points = 100.0000 + (3.500000 − 3) × 100.0000" in text
    assert "adjusted points = points × hospital coefficient = 150.0000 × 1.0500 = 157.5000" in text


def test_hospital_user_reads_own_case_but_not_another_hospitals(client, settled):
    a = settled["A"]
    client.force_login(settled["world"]["A"].users[Role.HOSPITAL_ADMIN])
    assert client.get(reverse("settlement:case_result", args=[a.results[0].pk])).status_code == 200
    assert client.get(reverse("settlement:case_result", args=[a.results[8].pk])).status_code == 404
    client.force_login(settled["other_hospital_user"])
    assert client.get(reverse("settlement:case_result", args=[a.results[8].pk])).status_code == 200
    assert client.get(reverse("settlement:case_result", args=[a.results[0].pk])).status_code == 404
