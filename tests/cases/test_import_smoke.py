from django_scopes import scopes_disabled

from apps.cases.models import Case
from apps.cases.services import case_import_start

from .helpers import csv_bytes, row


def test_smoke(cworld):
    a = cworld["A"]
    with scopes_disabled():
        job = case_import_start(actor=a.users["bureau_admin"], region=a.region, data=csv_bytes([row(1), row(2, gender="3")]), filename="x.csv")
        print(job.status, job.error_message, job.total, job.created, job.rejected, job.preview)
        assert job.created == 1
        assert Case.objects.count() == 1
