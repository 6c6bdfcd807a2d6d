"""Acceptance 4: the SSRF guard refuses every way into our network, at registration and at
connect time after resolution; the allow-list is the only way past it."""

from __future__ import annotations

import ipaddress

import pytest

from arplatform.webhooks.sending import Sender
from arplatform.webhooks.ssrf import Policy, UnsafeUrl, check_url, is_public
from tests.webhooks.receiver import Receiver, always

STRICT = Policy()
REFUSED_AT_REGISTRATION = [
    "https://127.0.0.1/hooks",
    "https://2130706433/hooks",  # 127.0.0.1 as one decimal number
    "https://0x7f.1/hooks",  # hex and a short form
    "https://0x7f000001/hooks",
    "https://017700000001/hooks",  # octal
    "https://127.1/hooks",
    "https://[::ffff:127.0.0.1]/hooks",  # IPv4-mapped IPv6
    "https://[::1]/hooks",
    "https://169.254.169.254/latest/meta-data",  # cloud metadata, link-local
    "https://[fe80::1]/hooks",
    "https://10.0.0.5/hooks",
    "https://172.16.3.4/hooks",
    "https://192.168.1.1/hooks",
    "https://100.64.0.1/hooks",  # CGNAT
    "https://[fd00::1]/hooks",  # ULA
    "https://0.0.0.0/hooks",
    "https://224.0.0.1/hooks",  # multicast
    "https://[ff02::1]/hooks",
    "https://[64:ff9b::a00:5]/hooks",  # NAT64 of 10.0.0.5
    "https://[64:ff9b::808:808]/hooks",  # NAT64 of a public address: refused as a whole
    "https://[64:ff9b:1::a00:5]/hooks",  # local-use NAT64
    "https://[::127.0.0.1]/hooks",  # IPv4-compatible
    "https://[::a00:5]/hooks",
    "https://[::ffff:0:7f00:1]/hooks",  # IPv4-translated (SIIT)
    "https://[2002:7f00:1::1]/hooks",  # 6to4 of 127.0.0.1
    "https://[2002:a00:5::1]/hooks",  # 6to4 of 10.0.0.5
    "https://[fec0::1]/hooks",  # site-local
    "https://localhost/hooks",
    "https://localhost./hooks",
    "https://api.localhost/hooks",
    "https://intranet/hooks",  # a single label resolves through search domains
    "file:///etc/passwd",
    "gopher://example.com/",
    "ftp://example.com/",
    "http://hooks.example.com/",  # plain http is off by default
    "https://user:secret@hooks.example.com/",
    "https:///no-host",
    "https://xn--zz.example.com/",  # not a valid A-label
    "https://a..b.com/",
    "https://aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.example.com/",
]


@pytest.mark.parametrize("url", REFUSED_AT_REGISTRATION)
def test_refused_without_the_allow_list(url: str) -> None:
    with pytest.raises(UnsafeUrl):
        check_url(url, STRICT)


@pytest.mark.parametrize(
    "url",
    [
        "https://hooks.example.com/arp",
        "https://93.184.215.14:8443/x",
        "https://[2606:4700::1]/",
        "https://bücher.example/hooks",  # an IDN
        "https://my_host.example.com/hooks",  # no IDNA, but a name DNS serves
    ],
)
def test_public_urls_pass(url: str) -> None:
    check_url(url, STRICT)


def test_the_allow_list_is_the_escape_hatch() -> None:
    policy = Policy(allowed_networks=Policy.from_cidrs("127.0.0.1/32"), allow_http=True)
    assert check_url("http://127.0.0.1:8080/h", policy).port == 8080
    with pytest.raises(UnsafeUrl):
        check_url("http://127.0.0.2/h", policy)
    with pytest.raises(UnsafeUrl):  # odd spellings stay refused: they are never decoded
        check_url("http://2130706433/h", policy)


@pytest.mark.parametrize(
    "address", ["127.0.0.1", "10.1.1.1", "169.254.169.254", "::ffff:8.8.8.8", "fe80::1", "::"]
)
def test_not_public(address: str) -> None:
    assert not is_public(ipaddress.ip_address(address))


def _resolver(answers: dict[str, list[str]], calls: list[str]):  # type: ignore[no-untyped-def]
    async def resolve(host: str, port: int) -> list[str]:
        calls.append(host)
        return answers[host]

    return resolve


@pytest.mark.parametrize(
    "answers", [["127.0.0.1"], ["93.184.215.14", "127.0.0.1"], ["::ffff:127.0.0.1"]]
)
async def test_a_public_looking_name_resolving_inside_is_refused_at_connect(
    answers: list[str],
) -> None:
    """``hooks.example.com`` passes registration, but resolves to loopback when delivering:
    refused, and the receiver on 127.0.0.1 is never reached."""
    calls: list[str] = []
    policy = Policy(allow_http=True)
    with Receiver() as receiver:
        url = f"http://hooks.example.com:{receiver.port}/hooks"
        check_url(url, policy)
        sender = Sender(policy, _resolver({"hooks.example.com": answers}, calls))
        try:
            result = await sender.post(url, {}, "{}")
        finally:
            await sender.aclose()
        assert receiver.count() == 0
    assert (result.status_code, result.error) == (None, "refused")
    assert calls == ["hooks.example.com"]


async def test_connections_go_to_the_vetted_address() -> None:
    """Resolved once, connected to that very address, the host name kept in ``Host``."""
    calls: list[str] = []
    policy = Policy(allowed_networks=Policy.from_cidrs("127.0.0.1/32"), allow_http=True)
    with Receiver() as receiver:
        sender = Sender(policy, _resolver({"hooks.example.com": ["127.0.0.1"]}, calls))
        url = f"http://hooks.example.com:{receiver.port}/hooks"
        try:
            result = await sender.post(url, {}, "{}")
        finally:
            await sender.aclose()
        [got] = receiver.received
    assert result.status_code == 200
    assert got.headers["host"] == f"hooks.example.com:{receiver.port}"
    assert calls == ["hooks.example.com"]


async def test_a_redirect_to_the_metadata_service_is_not_followed() -> None:
    policy = Policy(allowed_networks=Policy.from_cidrs("127.0.0.1/32"), allow_http=True)
    redirect = always(302, location="http://169.254.169.254/latest/meta-data/")
    with Receiver(script=redirect) as receiver:
        sender = Sender(policy)
        try:
            result = await sender.post(receiver.url, {}, "{}")
        finally:
            await sender.aclose()
        assert receiver.count() == 1
    assert (result.status_code, result.error) == (302, "redirect")
    assert not result.succeeded
