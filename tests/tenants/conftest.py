import pytest

from apps.tenants.enums import Role

ALL_ROLES = list(Role.values)


@pytest.fixture
def role_user(world):
    """role_user(role) → the user holding that role for region A (supervisor/platform admin: the world's)."""

    def get(role: str):
        if role == Role.PLATFORM_ADMIN:
            return world["platform_admin"]
        if role == Role.PROVINCE_SUPERVISOR:
            return world["supervisor"]
        return world["A"].users[role]

    return get
