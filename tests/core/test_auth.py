"""Authentication and authorisation: only tokens we issued, only the roles listed."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from arplatform.auth.tokens import Role
from tests.support import CUSTOMER, JWT_KEY, Api, TenantHandle


def _claims(tenant: TenantHandle, **changes: Any) -> dict[str, Any]:
    now = datetime.now(UTC)
    claims: dict[str, Any] = {
        "iss": "arplatform",
        "aud": "arplatform-api",
        "sub": tenant.admin.client_id,
        "tid": str(tenant.tenant_id),
        "roles": ["admin"],
        "iat": now,
        "exp": now + timedelta(minutes=5),
    }
    claims.update(changes)
    return {k: v for k, v in claims.items() if v is not None}


def _sign(claims: dict[str, Any], key: Any = JWT_KEY, alg: str = "HS256", **header: Any) -> str:
    headers = {"kid": "t1", "typ": "at+jwt", **header}
    return jwt.encode(claims, key, algorithm=alg, headers=headers)


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def _hmac_token(claims: dict[str, Any], key: bytes) -> str:
    """The classic HS/RS confusion: HMAC keyed with the RSA public key, by hand
    (PyJWT itself refuses to sign so)."""
    body = {k: int(v.timestamp()) if isinstance(v, datetime) else v for k, v in claims.items()}
    signing_input = f"{_b64({'alg': 'HS256', 'typ': 'at+jwt', 'kid': 't1'})}.{_b64(body)}"
    digest = hmac.new(key, signing_input.encode(), hashlib.sha256).digest()
    return signing_input + "." + base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _forged_tokens(tenant: TenantHandle) -> dict[str, str]:
    good = tenant.token()
    header, payload, signature = good.split(".")
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public_pem = rsa_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    claims = _claims(tenant)
    tampered_claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    tampered_claims["roles"] = ["admin", "viewer"]
    return {
        "alg none": _b64({"alg": "none", "typ": "at+jwt", "kid": "t1"})
        + "."
        + _b64(json.loads(base64.urlsafe_b64decode(payload + "==")))
        + ".",
        "RS256 signed with a foreign key": _sign(claims, rsa_key, "RS256"),
        "HS256 keyed with an RSA public key": _hmac_token(claims, public_pem),
        "no exp": _sign(_claims(tenant, exp=None)),
        "expired": _sign(_claims(tenant, exp=datetime.now(UTC) - timedelta(seconds=1))),
        "wrong audience": _sign(_claims(tenant, aud="another-api")),
        "wrong issuer": _sign(_claims(tenant, iss="someone-else")),
        "no issuer": _sign(_claims(tenant, iss=None)),
        "no tenant": _sign(_claims(tenant, tid=None)),
        "wrong typ": _sign(claims, typ="JWT"),
        "unknown kid": _sign(claims, kid="t9"),
        "signed with another secret": _sign(claims, "another-secret-" + "z" * 40),
        "tampered payload": f"{header}.{_b64(tampered_claims)}.{signature}",
        "unknown role": _sign(_claims(tenant, roles=["root"])),
        "garbage": "not.a.token",
    }


def test_forged_tokens_are_refused(api: Api) -> None:
    tenant = api.new_tenant()
    assert api.client.get("/v1/customers", headers=tenant.headers()).status_code == 200
    for label, token in _forged_tokens(tenant).items():
        response = api.client.get("/v1/customers", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401, label
        assert response.headers["content-type"] == "application/problem+json", label
        assert response.headers["www-authenticate"].startswith("Bearer"), label


@pytest.mark.parametrize("header", [None, "", "Bearer", "Bearer ", "Basic abc", "bearer"])
def test_missing_or_malformed_authorization_is_401(api: Api, header: str | None) -> None:
    headers = {} if header is None else {"Authorization": header}
    response = api.client.get("/v1/customers", headers=headers)
    assert response.status_code == 401
    assert response.json()["status"] == 401


def test_token_endpoint_issues_verifiable_tokens(api: Api) -> None:
    tenant = api.new_tenant()
    form = {"grant_type": "client_credentials"}
    basic = base64.b64encode(
        f"{tenant.admin.client_id}:{tenant.admin.client_secret}".encode()
    ).decode()
    response = api.client.post(
        "/v1/auth/token", data=form, headers={"Authorization": f"Basic {basic}"}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == api.settings.token_ttl_seconds
    header = jwt.get_unverified_header(body["access_token"])
    assert header == {"alg": "HS256", "kid": "t1", "typ": "at+jwt"}
    claims = jwt.decode(
        body["access_token"], JWT_KEY, algorithms=["HS256"], audience="arplatform-api"
    )
    assert claims["tid"] == str(tenant.tenant_id)
    assert claims["roles"] == ["admin"]
    assert claims["exp"] - claims["iat"] == api.settings.token_ttl_seconds
    assert abs(claims["iat"] - time.time()) < 60


@pytest.mark.parametrize(
    "change",
    [
        {"client_secret": "arps_wrong"},
        {"client_id": uuid.uuid4().hex * 2},
        {"client_id": "short"},
        {"client_secret": None},
    ],
)
def test_token_endpoint_refuses_bad_credentials(api: Api, change: dict[str, Any]) -> None:
    tenant = api.new_tenant()
    form = {
        "grant_type": "client_credentials",
        "client_id": tenant.admin.client_id,
        "client_secret": tenant.admin.client_secret,
        **change,
    }
    form = {k: v for k, v in form.items() if v is not None}
    response = api.client.post("/v1/auth/token", data=form)
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"


def test_client_of_one_tenant_cannot_claim_another(api: Api) -> None:
    """A client id names its tenant; splicing another tenant's id in finds no client."""
    a, b = api.new_tenant("A"), api.new_tenant("B")
    spliced = b.tenant_id.hex + a.admin.client_id[32:]
    response = api.client.post(
        "/v1/auth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": spliced,
            "client_secret": a.admin.client_secret,
        },
    )
    assert response.status_code == 401


def test_unsupported_grant_type_is_400(api: Api) -> None:
    response = api.client.post("/v1/auth/token", data={"grant_type": "password"})
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"


def test_roles_are_enforced(api: Api) -> None:
    tenant = api.new_tenant()
    viewer = tenant.headers(Role.VIEWER)
    assert api.client.get("/v1/customers", headers=viewer).status_code == 200
    denied = api.client.post("/v1/customers", json=CUSTOMER, headers=viewer)
    assert denied.status_code == 403
    assert denied.headers["content-type"] == "application/problem+json"
    assert api.client.get("/v1/audit-events", headers=viewer).status_code == 403
    collector = tenant.headers(Role.COLLECTOR)
    assert api.client.post("/v1/customers", json=CUSTOMER, headers=collector).status_code == 201


def test_every_operation_declares_its_roles(api: Api) -> None:
    """Deny by default: a handler without a role list would be refused to everyone,
    so each one must say who may call it (``None`` only for the public few)."""
    public = {"/v1/auth/token", "/healthz", "/readyz", "/metrics"}
    for route in api.app.routes:
        for handler in getattr(route, "route_handlers", []):
            if "OPTIONS" in handler.http_methods or route.path.startswith("/docs"):
                continue
            assert "roles" in handler.opt, route.path
            roles = handler.opt["roles"]
            if route.path in public:
                assert roles is None, route.path
            else:
                assert roles and roles <= set(Role), route.path


def test_admins_manage_api_clients(api: Api) -> None:
    tenant = api.new_tenant()
    created = api.client.post(
        "/v1/api-clients",
        json={"name": "ERP connector", "roles": ["collector"]},
        headers=tenant.headers(),
    )
    assert created.status_code == 201, created.text
    issued = created.json()
    token = api.client.post(
        "/v1/auth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": issued["client_id"],
            "client_secret": issued["client_secret"],
        },
    )
    assert token.status_code == 200
    listed = api.client.get("/v1/api-clients", headers=tenant.headers()).json()["data"]
    assert issued["client_secret"] not in str(listed)
    assert {c["client_id"] for c in listed} >= {issued["client_id"], tenant.admin.client_id}
    forbidden = api.client.post(
        "/v1/api-clients",
        json={"name": "x", "roles": ["admin"]},
        headers=tenant.headers(Role.CREDIT_MANAGER),
    )
    assert forbidden.status_code == 403

    revoked = api.client.post(f"/v1/api-clients/{issued['id']}/revoke", headers=tenant.headers())
    assert revoked.status_code == 200
    assert revoked.json()["revoked_at"] is not None
    refused = api.client.post(
        "/v1/auth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": issued["client_id"],
            "client_secret": issued["client_secret"],
        },
    )
    assert refused.status_code == 401
    audit = api.client.get(
        "/v1/audit-events", params={"entity_id": issued["id"]}, headers=tenant.headers()
    ).json()["data"]
    assert [e["action"] for e in audit] == ["create", "update"]
    assert "secret_hash" not in str(audit)
    events = api.client.get("/v1/events", headers=tenant.headers()).json()["data"]
    assert [e["type"] for e in events if e["resource_id"] == issued["id"]] == [
        "api_client.created",
        "api_client.revoked",
    ]
