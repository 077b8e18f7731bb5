"""`{% raise_dispute_button subject_type ref hospital_id year %}`: the "Raise dispute" button on a disputed
object's own page, shown only to hospital users of the object's hospital (for coefficients: of any own
hospital, the reference then being that hospital's code)."""
from __future__ import annotations

from urllib.parse import urlencode

from django import template

from apps.hospitals.models import Hospital

register = template.Library()


@register.inclusion_tag("disputes/_raise_button.html", takes_context=True)
def raise_dispute_button(context, subject_type="other", ref="", hospital_id=None, year=None):
    request = context.get("request")
    access = getattr(request, "access", None)
    show = False
    params = {"subject_type": subject_type, "subject_ref": ref if ref is not None else ""}
    if access is not None and access.is_hospital_user():
        own = access.hospital_ids()
        if hospital_id in (None, ""):
            show = bool(own)
            if subject_type == "coefficient" and own:
                hospital = Hospital.objects.filter(pk__in=own).order_by("code").first()
                params["subject_ref"] = hospital.code if hospital else ""
                params["hospital"] = hospital.pk if hospital else ""
        else:
            show = int(hospital_id) in own
            params["hospital"] = hospital_id
    if year:
        params["year"] = year
    return {"show": show, "subject_type": subject_type, "query": urlencode(params)}
