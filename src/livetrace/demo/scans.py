"""The scans that make the demo's verdict cases real, made through the consumer scan service.

Each scan is what a phone would send: the Digital Link read, a device id (the page's cookie), and
coarse coordinates when the user allowed them. Times lie in the past, in the order they happened:

* a rice bag's code copied onto fakes: scanned from eleven devices in nine cities, with Chengdu
  and Guangzhou forty minutes apart (clone and impossible-travel alerts);
* two serum boxes from a case shipped to Zhejiang, scanned in Ürümqi (a diversion alert);
* the serum box the host held up to the camera, scanned by viewers across the country (a
  display code: a warning that points to the hidden code, no alert);
* a buyer checking a serum box's hidden code, and the first genuine tap of the NFC gift box.
"""

from __future__ import annotations

from dataclasses import dataclass

from livetrace.codes.service import keyring_for
from livetrace.demo import data as d
from livetrace.demo.context import Demo
from livetrace.demo.nfc import tap_url
from livetrace.scans.service import ScanService
from livetrace.scans.verdict import ClientInfo, NfcParams, ScanRequest


@dataclass(frozen=True, slots=True)
class Sighting:
    """One simulated scan: which code (run and position), when, where, by which device."""

    run: d.RunSpec
    index: int
    days_ago: int
    hhmm: str
    city: str
    device: str


CLONE = [
    Sighting(d.RICE_RUN, 4, 2, "19:05", "hangzhou", "buyer-hz-0117"),
    Sighting(d.RICE_RUN, 4, 1, "08:40", "harbin", "clone-hrb-01"),
    Sighting(d.RICE_RUN, 4, 1, "10:15", "beijing", "clone-bj-01"),
    Sighting(d.RICE_RUN, 4, 1, "11:02", "beijing", "clone-bj-02"),
    Sighting(d.RICE_RUN, 4, 1, "12:50", "chengdu", "clone-cd-01"),
    Sighting(d.RICE_RUN, 4, 1, "13:30", "guangzhou", "clone-gz-01"),
    Sighting(d.RICE_RUN, 4, 1, "14:10", "shenzhen", "clone-sz-01"),
    Sighting(d.RICE_RUN, 4, 1, "15:45", "wuhan", "clone-wh-01"),
    Sighting(d.RICE_RUN, 4, 1, "17:20", "xian", "clone-xa-01"),
    Sighting(d.RICE_RUN, 4, 1, "18:05", "shanghai", "clone-sh-01"),
    Sighting(d.RICE_RUN, 4, 1, "19:40", "urumqi", "clone-urc-01"),
    Sighting(d.RICE_RUN, 4, 1, "21:15", "urumqi", "clone-urc-01"),
]
DIVERTED = [
    Sighting(d.SERUM_CHANNEL, 0, 6, "15:20", "urumqi", "market-urc-01"),
    Sighting(d.SERUM_CHANNEL, 1, 4, "11:45", "urumqi", "market-urc-02"),
]
ON_CAMERA = [
    Sighting(d.SERUM_PAIRED, 2, 5, f"20:{minute:02d}", city, f"viewer-{n:02d}")
    for n, (minute, city) in enumerate(
        [(41, "hangzhou"), (41, "beijing"), (42, "guangzhou"), (42, "chengdu"),
         (43, "harbin"), (44, "shanghai"), (46, "wuhan")], start=1
    )
]  # fmt: skip
PAIRED_BUYER = Sighting(d.SERUM_PAIRED, 0, 3, "18:30", "shanghai", "buyer-sh-0520")
NFC_BUYER = Sighting(d.SERUM_NFC, 0, 3, "19:10", "beijing", "buyer-bj-0547")


def load(demo: Demo) -> int:
    """Make every scan; returns how many."""
    scans = ScanService(demo.session, keyring_for(demo.settings), demo.settings)
    rice = [*CLONE]
    for s in [*rice, *DIVERTED, *ON_CAMERA]:
        scans.scan(_request(demo, s))
    buyer = demo.code(d.SERUM_GTIN, demo.serial(PAIRED_BUYER.run, PAIRED_BUYER.index))
    hidden = demo.codes.keyring.hidden_code(buyer.gtin, buyer.lot, buyer.serial, buyer.auth_version)
    scans.scan(_request(demo, PAIRED_BUYER, hidden=hidden))
    scans.scan(_tap(demo, NFC_BUYER))
    return len(rice) + len(DIVERTED) + len(ON_CAMERA) + 2


def _client(s: Sighting) -> ClientInfo:
    _zh, _en, region, latitude, longitude = d.CITIES[s.city]
    return ClientInfo(device=s.device, latitude=latitude, longitude=longitude, region=region)


def _request(demo: Demo, s: Sighting, *, hidden: str | None = None) -> ScanRequest:
    uri = demo.codes.link(demo.code(s.run.gtin, demo.serial(s.run, s.index)))
    at = demo.clock.at(s.days_ago, s.hhmm)
    return ScanRequest(uri=uri, client=_client(s), hidden_code=hidden, at=at)


def _tap(demo: Demo, s: Sighting) -> ScanRequest:
    uri = tap_url(demo.session, demo.settings, demo.encryptor, counter=1)
    query = dict(part.split("=", 1) for part in uri.split("?", 1)[1].split("&"))
    nfc = NfcParams(picc_data=query["picc_data"], cmac=query["cmac"])
    return ScanRequest(uri=uri, client=_client(s), nfc=nfc, at=demo.clock.at(s.days_ago, s.hhmm))
