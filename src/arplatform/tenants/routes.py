"""``/v1/tenant``: the supplier's own profile."""

from __future__ import annotations

from litestar import Controller
from litestar.params import JSONBody

from arplatform.api.conventions import ALL_ROLES, DbSession, api_get, api_patch
from arplatform.auth.tokens import Role
from arplatform.tenants import service
from arplatform.tenants.schemas import TenantOut, TenantUpdate


class TenantController(Controller):
    path = "/v1/tenant"
    tags = ["tenant"]

    @api_get("/", roles=ALL_ROLES)
    async def get_tenant(self, session: DbSession) -> TenantOut:
        """The tenant the credentials belong to."""
        return service.to_out(await service.current_tenant(session))

    @api_patch("/", roles={Role.ADMIN}, conditional=False)
    async def update_tenant(self, session: DbSession, data: JSONBody[TenantUpdate]) -> TenantOut:
        """Change the tenant's name or the contact e-mail for operational notices."""
        return service.to_out(await service.update_tenant(session, data))
