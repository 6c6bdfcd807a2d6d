"""The ``arplatform`` command line: serve, demo, worker, scheduler, migrate, openapi, tenants."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import uuid
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path

import pycountry

from arplatform.auth.service import IssuedClient, create_client, create_tenant
from arplatform.auth.tokens import Role
from arplatform.credit.late_payment.cli import add_parser as add_backtest_parser
from arplatform.db.session import Database
from arplatform.imports.cli import add_parser as add_import_parser
from arplatform.money import is_currency
from arplatform.settings import Settings, SettingsError, load_settings
from arplatform.synthetic.cli import add_arguments as add_demo_data_arguments

OPENAPI_PATH = Path("openapi/openapi.json")


def _print_client(issued: IssuedClient, as_json: bool, heading: str) -> None:
    record = {
        "tenant_id": str(issued.tenant_id),
        "client_id": issued.client_id,
        "client_secret": issued.client_secret,
    }
    if as_json:
        print(json.dumps(record))
        return
    print(heading)
    for key, value in record.items():
        print(f"  {key}: {value}")
    print("  roles:", ", ".join(issued.roles))
    print("The secret is shown only now; store it safely.")


async def _with_db(
    settings: Settings, work: Callable[[Database], Awaitable[IssuedClient]]
) -> IssuedClient:
    db = Database(settings.database_url)
    try:
        return await work(db)
    finally:
        await db.dispose()


def _country(value: str) -> str:
    if pycountry.countries.get(alpha_2=value.upper()) is None:
        raise argparse.ArgumentTypeError(f"{value!r} is not an ISO 3166 country code")
    return value.upper()


def _currency(value: str) -> str:
    if not is_currency(value.upper()):
        raise argparse.ArgumentTypeError(f"{value!r} is not an ISO 4217 currency code")
    return value.upper()


def cmd_tenants_create(settings: Settings, args: argparse.Namespace) -> int:
    async def work(db: Database) -> IssuedClient:
        return await create_tenant(
            db,
            name=args.name,
            country=args.country,
            currency=args.currency,
            timezone=args.timezone,
            contact_email=args.contact_email,
        )

    issued = asyncio.run(_with_db(settings, work))
    _print_client(issued, args.json, f"Tenant {args.name} created with an admin client:")
    return 0


def cmd_clients_create(settings: Settings, args: argparse.Namespace) -> int:
    roles = [Role(r.strip()) for r in args.roles.split(",") if r.strip()]

    async def work(db: Database) -> IssuedClient:
        return await create_client(db, uuid.UUID(args.tenant), name=args.name, roles=roles)

    try:
        issued = asyncio.run(_with_db(settings, work))
    except LookupError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    _print_client(issued, args.json, "Client created:")
    return 0


def cmd_migrate(settings: Settings, args: argparse.Namespace) -> int:
    from arplatform.db.migrate import upgrade

    upgrade(settings, args.revision)
    return 0


def cmd_openapi(settings: Settings, args: argparse.Namespace) -> int:
    from arplatform.api.openapi import render_openapi

    document = render_openapi(settings)
    output = Path(args.output)
    if args.check:
        if not output.exists() or output.read_text() != document:
            print(f"{output} is out of date: run `arplatform openapi`", file=sys.stderr)
            return 1
        return 0
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(document)
    return 0


def cmd_serve(settings: Settings, args: argparse.Namespace) -> int:
    import uvicorn

    from arplatform.app import create_server_app
    from arplatform.ops.logging import configure_logging

    configure_logging(json=settings.log_json, level=settings.log_level)
    app = create_server_app(settings)
    uvicorn.run(app, host=args.host, port=args.port, log_config=None, access_log=False)
    return 0


def cmd_demo(settings: Settings, args: argparse.Namespace) -> int:
    """Migrate the embedded database, create a demo tenant on first run, and serve."""
    from arplatform.db.migrate import upgrade
    from arplatform.demo import ensure_demo_tenant

    upgrade(settings)
    issued = asyncio.run(ensure_demo_tenant(settings))
    if issued is not None:
        _print_client(issued, False, "Demo tenant created. Its admin client:")
    else:
        print("Demo tenant exists (its credentials were printed on the first run).")
    print(f"API on http://{args.host}:{args.port}  docs on http://{args.host}:{args.port}/docs")
    sys.stdout.flush()
    return cmd_serve(settings, args)


def cmd_worker(settings: Settings, args: argparse.Namespace) -> int:
    from arplatform.jobs.processes import run_worker

    return run_worker(settings, threads=args.threads)


def cmd_scheduler(settings: Settings, args: argparse.Namespace) -> int:
    from arplatform.jobs.processes import run_scheduler_process

    return run_scheduler_process(settings)


def cmd_demo_data(settings: Settings, args: argparse.Namespace) -> int:
    """Write a seeded synthetic receivables history as import files."""
    from arplatform.synthetic.cli import run

    return run(args)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="arplatform", description=__doc__)
    verbs = parser.add_subparsers(dest="verb", required=True)
    for name, handler in (("serve", cmd_serve), ("demo", cmd_demo)):
        serve = verbs.add_parser(name, help=(handler.__doc__ or "Serve the API").splitlines()[0])
        serve.add_argument("--host", default="127.0.0.1")
        serve.add_argument("--port", type=int, default=8000)
        serve.set_defaults(handler=handler)
    worker = verbs.add_parser("worker", help="Run dramatiq workers on the configured broker")
    worker.add_argument("--threads", type=int, default=8)
    worker.set_defaults(handler=cmd_worker)
    verbs.add_parser("scheduler", help="Enqueue periodic jobs and relay the outbox").set_defaults(
        handler=cmd_scheduler
    )
    migrate = verbs.add_parser("migrate", help="Apply database migrations (as the owner role)")
    migrate.add_argument("--revision", default="head")
    migrate.set_defaults(handler=cmd_migrate)
    openapi = verbs.add_parser("openapi", help="Write the OpenAPI document")
    openapi.add_argument("--output", default=str(OPENAPI_PATH))
    openapi.add_argument("--check", action="store_true", help="Fail when the file is stale")
    openapi.set_defaults(handler=cmd_openapi)
    tenants = verbs.add_parser("tenants", help="Manage tenants").add_subparsers(
        dest="action", required=True
    )
    tcreate = tenants.add_parser("create", help="Create a tenant and its first admin client")
    tcreate.add_argument("--name", required=True)
    tcreate.add_argument("--country", required=True, type=_country)
    tcreate.add_argument("--currency", required=True, type=_currency)
    tcreate.add_argument("--timezone", default="UTC")
    tcreate.add_argument(
        "--contact-email", help="Where operational notices go (e.g. a disabled webhook endpoint)"
    )
    tcreate.add_argument("--json", action="store_true")
    tcreate.set_defaults(handler=cmd_tenants_create)
    clients = verbs.add_parser("clients", help="Manage API clients").add_subparsers(
        dest="action", required=True
    )
    ccreate = clients.add_parser("create", help="Create an API client with the given roles")
    ccreate.add_argument("--tenant", required=True)
    ccreate.add_argument("--name", required=True)
    ccreate.add_argument("--roles", required=True, help=", ".join(r.value for r in Role))
    ccreate.add_argument("--json", action="store_true")
    ccreate.set_defaults(handler=cmd_clients_create)
    demo_data = verbs.add_parser("demo-data", help=(cmd_demo_data.__doc__ or "").splitlines()[0])
    add_demo_data_arguments(demo_data)
    demo_data.set_defaults(handler=cmd_demo_data)
    add_import_parser(verbs)
    add_backtest_parser(verbs)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    code: int = args.handler(settings, args)
    return code


if __name__ == "__main__":
    raise SystemExit(main())
