"""The EPCIS query binding over HTTP: paging, errors, access, EPC format, browse, named queries."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from factories.epcis_query import Dataset, make_dataset
from livetrace.crypto.keys import KeyEncryptor

QUERY_PARAMETER = "epcisException:QueryParameterException"


@pytest.fixture
def data(session: Session, encryptor: KeyEncryptor) -> Dataset:
    made = make_dataset(session, encryptor)
    session.commit()
    return made


def event_ids(body: dict[str, Any]) -> list[str]:
    return [e["eventID"] for e in body["epcisBody"]["queryResults"]["resultsBody"]["eventList"]]


def story(data: Dataset, body: dict[str, Any]) -> list[str]:
    by_id = {a.event_id: name for name, a in data.events.items()}
    return [by_id[i] for i in event_ids(body)]


def problem(resp: Any, status: int, epcis_type: str) -> dict[str, Any]:
    assert resp.status_code == status, resp.text
    assert resp.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = resp.json()
    assert body["type"] == epcis_type and body["status"] == status
    return body


def test_pages_follow_link_headers_to_the_end(client: TestClient, data: Dataset) -> None:
    headers, url, seen, pages = data.regulator.headers, "/events?perPage=3", [], 0
    while url:
        resp = client.get(url, headers=headers)
        assert resp.status_code == 200, resp.text
        assert resp.json()["type"] == "EPCISQueryDocument"
        seen += story(data, resp.json())
        pages += 1
        link = resp.headers.get("link")
        url = link[1 : link.index(">")] if link else ""
        assert not link or resp.headers["gs1-next-page-token-expires"]
    assert pages == 3
    assert seen == ["commission", "pack", "ship", "mill", "sense", "receive", "sell"]


def test_paging_with_order_and_count_limit(client: TestClient, data: Dataset) -> None:
    url = "/events?orderBy=eventTime&orderDirection=DESC&eventCountLimit=3&perPage=2"
    first = client.get(url, headers=data.regulator.headers)
    link = first.headers["link"]
    second = client.get(link[1 : link.index(">")], headers=data.regulator.headers)
    assert story(data, first.json()) + story(data, second.json()) == ["sell", "receive", "sense"]
    assert "link" not in second.headers


def test_unknown_and_malformed_parameters(client: TestClient, data: Dataset) -> None:
    h = data.regulator.headers
    body = problem(client.get("/events?EQ_bizstep=shipping", headers=h), 400, QUERY_PARAMETER)
    assert "EQ_bizstep is not a standard EPCIS query parameter" in body["detail"]
    body = problem(client.get("/events?GE_eventTime=yesterday", headers=h), 400, QUERY_PARAMETER)
    assert "GE_eventTime" in body["detail"] and "time zone" in body["detail"]
    problem(client.get("/events?perPage=0", headers=h), 400, QUERY_PARAMETER)
    problem(client.get("/events?EQ_action=MOVE", headers=h), 400, QUERY_PARAMETER)
    problem(client.get("/events?GT_quantity=lots", headers=h), 400, QUERY_PARAMETER)
    problem(client.get("/events?EQ_ILMD_nope:field=1", headers=h), 400, QUERY_PARAMETER)
    body = problem(client.get("/events?HASATTR_bizLocation=urn:x:a", headers=h), 400,
                   QUERY_PARAMETER)  # fmt: skip
    assert "does not support" in body["detail"]
    both = "/events?eventCountLimit=1&maxEventCount=1"
    problem(client.get(both, headers=h), 400, QUERY_PARAMETER)
    too_many = client.get("/events?maxEventCount=2", headers=h)
    problem(too_many, 413, "epcisException:QueryTooLargeException")
    bad_format = client.get("/events", headers={**h, "GS1-EPC-Format": "Sometimes"})
    problem(bad_format, 400, QUERY_PARAMETER)


def test_bad_page_tokens(client: TestClient, data: Dataset) -> None:
    h = data.regulator.headers
    first = client.get("/events?perPage=2", headers=h)
    token = first.headers["link"].split("nextPageToken=")[1].split(">")[0]
    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    body = problem(client.get(f"/events?perPage=2&nextPageToken={forged}", headers=h), 400,
                   QUERY_PARAMETER)  # fmt: skip
    assert "nextPageToken is invalid" in body["detail"]
    other = client.get(f"/events?EQ_bizStep=shipping&nextPageToken={token}", headers=h)
    assert "different query" in problem(other, 400, QUERY_PARAMETER)["detail"]
    problem(client.get("/events?nextPageToken=garbage", headers=h), 400, QUERY_PARAMETER)


def test_read_access_follows_the_parties_in_the_event(client: TestClient, data: Dataset) -> None:
    def sees(member: Any) -> list[str]:
        return story(data, client.get("/events?perPage=100", headers=member.headers).json())

    assert sees(data.shop) == ["sell"]
    # The carrier captured sense/receive; the brand's shipment goes to its warehouse.
    assert sees(data.carrier) == ["ship", "sense", "receive"]
    # The brand captured four events and owns the products in the carrier's two.
    assert sees(data.brand) == ["commission", "pack", "ship", "mill", "sense", "receive"]
    assert len(sees(data.regulator)) == 7
    assert client.get("/events").status_code == 401


def test_epc_format_header_translates_identifiers(client: TestClient, data: Dataset) -> None:
    h = data.regulator.headers
    ship_dl = client.get("/events?EQ_bizStep=shipping", headers=h).json()
    event = ship_dl["epcisBody"]["queryResults"]["resultsBody"]["eventList"][0]
    assert event["epcList"][0].startswith("https://id.gs1.org/01/")
    assert event["destinationList"][0]["destination"].startswith("https://id.gs1.org/414/")
    urn = client.get("/events?EQ_bizStep=shipping",
                     headers={**h, "GS1-EPC-Format": "Always_EPC_URN"})  # fmt: skip
    event = urn.json()["epcisBody"]["queryResults"]["resultsBody"]["eventList"][0]
    assert event["epcList"] == [data.items[0]]
    assert urn.headers["gs1-epc-format"] == "Always_EPC_URN"
    kept = client.get("/events?EQ_bizStep=commissioning&eventType=ObjectEvent",
                      headers={**h, "GS1-EPC-Format": "Never_Translates"})  # fmt: skip
    event = kept.json()["epcisBody"]["queryResults"]["resultsBody"]["eventList"][0]
    assert event["epcList"] == data.items[:2]


def test_event_by_id_and_browse_resources(client: TestClient, data: Dataset) -> None:
    h = data.regulator.headers
    mill = data.events["mill"].event_id
    assert story(data, client.get(f"/events/{quote(mill, safe='')}", headers=h).json()) == ["mill"]
    missing = client.get("/events/urn:uuid:nope", headers=h)
    problem(missing, 404, "epcisException:NoSuchNameException")
    steps = client.get("/bizSteps", headers=h).json()
    assert steps["type"] == "Collection" and "shipping" in steps["member"]
    paged = client.get("/bizSteps?perPage=2", headers=h)
    assert len(paged.json()["member"]) == 2 and 'rel="next"' in paged.headers["link"]
    assert "ObjectEvent" in client.get("/eventTypes", headers=h).json()["member"]
    assert client.get("/bizLocations", headers=data.shop.headers).json()["member"] == [
        data.events["sell"].document["bizLocation"]["id"]
    ]
    shipping = client.get("/bizSteps/shipping/events", headers=h).json()
    assert story(data, shipping) == ["ship"]
    typed = client.get("/eventTypes/AggregationEvent/events", headers=h).json()
    assert story(data, typed) == ["pack"]
    epc = quote(data.items[1], safe="")
    assert story(data, client.get(f"/epcs/{epc}/events", headers=h).json()) == [
        "commission", "pack"]  # fmt: skip


def test_named_queries(client: TestClient, data: Dataset) -> None:
    h = data.brand.headers
    body = {"name": "rice-shipping", "query": {"EQ_bizStep": ["shipping", "packing"],
                                               "eventType": ["ObjectEvent"]}}  # fmt: skip
    created = client.post("/queries", json=body, headers=h)
    assert created.status_code == 201 and created.headers["location"] == "/queries/rice-shipping"
    again = client.post("/queries", json=body, headers=h)
    problem(again, 409, "epcisException:ResourceAlreadyExistsException")
    bad = client.post("/queries", json={"name": "x", "query": {"EQ_nope": ["1"]}}, headers=h)
    problem(bad, 400, QUERY_PARAMETER)
    assert [q["name"] for q in client.get("/queries", headers=h).json()] == ["rice-shipping"]
    assert client.get("/queries", headers=data.shop.headers).json() == []
    ran = client.get("/queries/rice-shipping/events", headers=h).json()
    assert ran["epcisBody"]["queryResults"]["queryName"] == "rice-shipping"
    assert story(data, ran) == ["ship"]
    assert client.delete("/queries/rice-shipping", headers=data.shop.headers).status_code == 403
    assert client.delete("/queries/rice-shipping", headers=h).status_code == 204
    problem(client.get("/queries/rice-shipping/events", headers=h), 404,
            "epcisException:NoSuchNameException")  # fmt: skip


def test_location_hierarchy_by_master_data(client: TestClient, data: Dataset) -> None:
    url = f"/bizLocations/{quote(data.dock, safe='')}/parent"
    wd = f"/events?WD_readPoint={quote(data.warehouse, safe='')}"
    assert story(data, client.get(wd, headers=data.regulator.headers).json()) == []
    denied = client.put(url, json={"parent": data.warehouse}, headers=data.shop.headers)
    assert denied.status_code == 403
    made = client.put(url, json={"parent": data.warehouse}, headers=data.carrier.headers)
    assert made.status_code == 204, made.text
    assert story(data, client.get(wd, headers=data.regulator.headers).json()) == ["sense"]
