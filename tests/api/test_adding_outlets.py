"""`POST /outlets`: a newsroom adds a source, with an admin key where keys are required; its
addresses pass the fetch checks, and it is followed from then on and after a restart."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from api.security import generate_api_key
from core.config import Settings
from demo.server import DemoSite
from tests.api._support import assert_problem, finished_job, running


def _herald(**changes: Any) -> dict[str, Any]:
    return {
        "name": "Harbour City Herald",
        "homepage": "https://www.herald.example/",
        "feeds": ["https://herald.example/rss.xml"],
        **changes,
    }


async def test_adding_an_outlet_takes_an_admin_key_and_checks_its_addresses(
    api_settings: Callable[..., Settings],
) -> None:
    reader, reader_digest = generate_api_key()
    admin, admin_digest = generate_api_key()
    settings = api_settings(
        api_keys_required=True,
        api_key_hashes=[reader_digest],
        admin_key_hashes=[admin_digest],
        max_outlet_feeds=2,
    )
    async with running(settings) as (client, _):
        as_admin = {"X-API-Key": admin}
        assert_problem(await client.post("/outlets", json=_herald()), 401, "unauthorized")
        refused = await client.post("/outlets", json=_herald(), headers={"X-API-Key": reader})
        assert_problem(refused, 403, "forbidden")

        private = _herald(feeds=["http://169.254.169.254/latest/meta-data"])
        assert_problem(
            await client.post("/outlets", json=private, headers=as_admin), 403, "refused-address"
        )
        ftp = _herald(feeds=["ftp://herald.example/rss.xml"])
        assert_problem(
            await client.post("/outlets", json=ftp, headers=as_admin), 400, "invalid-url"
        )
        many = _herald(feeds=[f"https://herald.example/{n}.xml" for n in range(3)])
        assert_problem(
            await client.post("/outlets", json=many, headers=as_admin), 400, "invalid-input"
        )

        added = await client.post("/outlets", json=_herald(), headers=as_admin)
        assert added.status_code == 201, added.text
        body = added.json()
        assert (body["slug"], body["domains"], body["feeds"]) == (
            "harbour-city-herald",
            ["herald.example"],
            1,
        )
        again = await client.post("/outlets", json=_herald(), headers=as_admin)
        assert_problem(again, 409, "already-exists")
        listed = (await client.get("/outlets", headers={"X-API-Key": reader})).json()
        assert "harbour-city-herald" in {item["slug"] for item in listed}
        # An admin key is also an API key.
        assert (await client.get("/outlets", headers=as_admin)).status_code == 200


async def test_an_added_outlets_feed_is_polled_and_it_is_followed_after_a_restart(
    api_settings: Callable[..., Settings],
) -> None:
    settings = api_settings()
    with DemoSite() as site:
        ledger = next(o for o in site.outlets() if o.slug == "dailyledger")
        outlet = {
            "name": "Ledger Syndication",
            "slug": "ledger-syndication",
            "homepage": f"{site.base_url}/dailyledger/",
            "feeds": list(ledger.feeds),
        }
        async with running(settings) as (client, _):
            unknown = await client.post("/ingest", json={"feeds": ["ledger-syndication"]})
            assert_problem(unknown, 400, "invalid-input")
            assert (await client.post("/outlets", json=outlet)).status_code == 201
            response = await client.post("/ingest", json={"feeds": ["ledger-syndication"]})
            assert response.status_code == 202, response.text
            job = await finished_job(client, response.json()["job_id"])
            assert job["outcomes"].get("ingested", 0) >= 1
            # Its articles are attributed to it.
            listed = {item["slug"]: item for item in (await client.get("/outlets")).json()}
            assert listed["ledger-syndication"]["articles"] == job["outcomes"]["ingested"]
        async with running(settings) as (client, _):
            listed = {item["slug"]: item for item in (await client.get("/outlets")).json()}
            assert listed["ledger-syndication"]["articles"] == job["outcomes"]["ingested"]
            again = await client.post("/ingest", json={"feeds": ["ledger-syndication"]})
            assert again.status_code == 202, again.text
