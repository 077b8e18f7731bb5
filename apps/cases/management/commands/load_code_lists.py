"""(Re)load the national diagnosis and procedure code lists; prints one JSON summary line."""
import json

from django.core.management.base import BaseCommand
from django.db import connection, transaction

from apps.cases.codelists import load_code_lists


class Command(BaseCommand):
    help = "Load the ICD-10 / ICD-9-CM-3 医保版 code lists shipped in apps/cases/data (idempotent)."

    def handle(self, *args, **options):
        with transaction.atomic():
            counts = load_code_lists(connection)
        self.stdout.write(json.dumps({"diagnoses": counts["cases_diagnosiscode"], "procedures": counts["cases_procedurecode"]}))
