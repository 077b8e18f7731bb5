"""Object-level permissions of the settlement app (django-rules); `obj` is a Region or has `region_id`.

The services check the same roles themselves; these let screens and the API hide what a user cannot do.
Imported from the app config (`ready`) so the permissions are registered once.
"""
from __future__ import annotations

import rules

from apps.tenants.enums import Role
from apps.tenants.rules import is_bureau, is_bureau_admin, is_region_reader, role_predicate

is_hospital_user = role_predicate(Role.HOSPITAL_ADMIN, Role.HOSPITAL_STAFF, name="settlement_is_hospital_user")

rules.add_perm("settlement.view_coefficientversion", is_region_reader | is_hospital_user)
rules.add_perm("settlement.compute_coefficients", is_bureau)
rules.add_perm("settlement.override_coefficient", is_bureau_admin)
rules.add_perm("settlement.publish_coefficients", is_bureau_admin)
# Hospital users see runs, and inside them only their own hospital's rows (selectors filter by access).
rules.add_perm("settlement.view_settlementrun", is_region_reader | is_hospital_user)
rules.add_perm("settlement.run_settlement", is_bureau)
rules.add_perm("settlement.publish_run", is_bureau_admin)
