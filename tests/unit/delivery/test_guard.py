"""The target guard refuses every spelling of a non-public address, and only those."""

from __future__ import annotations

import pytest

from app.delivery.guard import TargetGuard, UnsafeTarget, parse_ip

PUBLIC = "93.184.216.34"


def resolver_for(answers: dict[str, list[str]]):
    async def resolve(host: str, port: int) -> list[str]:
        return answers.get(host, [PUBLIC])

    return resolve


@pytest.fixture
def strict_guard() -> TargetGuard:
    return TargetGuard(
        allow_private=False,
        resolver=resolver_for(
            {
                "internal.example": ["10.1.2.3"],
                "mixed.example": [PUBLIC, "10.0.0.1"],
                "scoped.example": ["fe80::1%eth0"],
                "metadata.example": ["169.254.169.254"],
                "mapped.example": ["::ffff:192.168.0.1"],
            }
        ),
    )


REFUSED_SPELLINGS = [
    "http://0x7f.1/",
    "http://2130706433/",
    "http://0177.0.0.1/",
    "http://127.1/",
    "http://[::ffff:127.0.0.1]/",
    "http://[::ffff:7f00:1]/",
    "http://[64:ff9b::a00:1]/",
    "http://[2002:a00:1::]/",
    "http://169.254.169.254/latest/meta-data/",
    "http://100.64.0.1/",
    "http://224.0.0.1/",
    "http://0.0.0.0/",
    "http://[::]/",
    "http://localhost:8000/hook",
    "http://[fe80::1]/",
    "http://[fc00::1]/",
    "http://240.0.0.1/",
    "http://127.0.0.1/",
    "http://127.0.0.1./",
    "http://[::1]/",
    "http://10.0.0.1/",
    "http://172.16.0.1/",
    "http://192.168.1.1/",
    "http://198.18.0.1/",
    "http://255.255.255.255/",
    "http://0/",
    "http://0x7f000001/",
    "http://017700000001/",
    "http://0x7f.0x0.0x0.0x1/",
    "http://[0:0:0:0:0:ffff:127.0.0.1]/",
    "http://[::127.0.0.1]/",
    "http://LOCALHOST./",
    "http://api.localhost/",
    "https://internal.example/hook",
    "https://mixed.example/hook",
    "https://scoped.example/hook",
    "https://metadata.example/hook",
    "https://mapped.example/hook",
]


@pytest.mark.parametrize("url", REFUSED_SPELLINGS)
async def test_guard_refuses_every_spelling_of_a_non_public_address(
    strict_guard: TargetGuard, url: str
) -> None:
    with pytest.raises(UnsafeTarget) as refused:
        await strict_guard.resolve(url)
    assert "webhook URL" in refused.value.reason


@pytest.mark.parametrize(
    "url",
    [
        "ftp://example.com/",
        "file:///etc/passwd",
        "javascript:alert(1)",
        "http://",
        "http:///path",
        "example.com/hook",
        "http://user:secret@example.com/",
        "http://example.com@127.0.0.1/",
        "http://example.com\\@127.0.0.1/",
        "http://exa mple.com/",
        "http://example.com:99999/",
        "http://%31%32%37.0.0.1/",
        "",
    ],
)
def test_check_url_syntax_refuses_non_http_and_userinfo_tricks(
    strict_guard: TargetGuard, url: str
) -> None:
    with pytest.raises(UnsafeTarget):
        strict_guard.check_url_syntax(url)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://hooks.example.com/x", [PUBLIC]),
        ("http://8.8.8.8:8080/", ["8.8.8.8"]),
        ("https://[2606:4700:4700::1111]/", ["2606:4700:4700::1111"]),
        ("http://[64:ff9b::808:808]/", ["64:ff9b::808:808"]),
    ],
)
async def test_guard_passes_public_targets(
    strict_guard: TargetGuard, url: str, expected: list[str]
) -> None:
    strict_guard.check_url_syntax(url)
    assert await strict_guard.resolve(url) == expected


async def test_refusal_names_the_kind_and_the_address(strict_guard: TargetGuard) -> None:
    with pytest.raises(UnsafeTarget) as refused:
        await strict_guard.resolve("http://internal.example/")
    assert refused.value.reason == "webhook URL resolves to a private address (10.1.2.3)"


async def test_allow_private_resolves_odd_spellings_to_the_address_it_means() -> None:
    guard = TargetGuard(allow_private=True)
    assert await guard.resolve("http://0x7f.1:9/") == ["127.0.0.1"]
    assert await guard.resolve("http://[::ffff:7f00:1]:9/") == ["::ffff:7f00:1"]


async def test_unresolvable_host_is_refused_with_a_plain_reason() -> None:
    async def nothing(host: str, port: int) -> list[str]:
        return []

    guard = TargetGuard(allow_private=False, resolver=nothing)
    with pytest.raises(UnsafeTarget, match="could not be resolved"):
        await guard.resolve("https://nowhere.example/")


@pytest.mark.parametrize(
    ("spelling", "address"),
    [
        ("0x7f.1", "127.0.0.1"),
        ("127.1", "127.0.0.1"),
        ("10.1", "10.0.0.1"),
        ("10.1.1", "10.1.0.1"),
        ("2130706433", "127.0.0.1"),
        ("0177.0.0.1", "127.0.0.1"),
        ("[::1]", "::1"),
        ("example.com", None),
        ("1.2.3.4.5", None),
        ("256.1.1.1", None),
        ("08.1.1.1", None),
        ("1.2.3.0x100", None),
    ],
)
def test_parse_ip_reads_inet_aton_spellings(spelling: str, address: str | None) -> None:
    parsed = parse_ip(spelling)
    assert (str(parsed) if parsed is not None else None) == address
