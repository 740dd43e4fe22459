"""The eight indicator rules of formats.md §4, vectorised over the chunk's addresses.

Each rule gets a `Context` whose sources are all delivered (the engine marks an indicator with a
missing source 'not evaluated' before calling it) and returns an `Outcome`: a status per address
and the figures shown when it fires. The interpretation choices are in the package docstring.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import numpy as np
import pandas as pd

from .prepare import Frames, Persons, Scope, distinct_count, is_member, sorted_unique
from .registry import IndicatorCode, IndicatorSettings
from .texts import NOT_EVALUATED_NO_AREA

NOT_FIRED, FIRED, NOT_EVALUATED = 0, 1, 2

LEEFVORM_ALLEENSTAAND = "alleenstaand"


@dataclass(frozen=True)
class Outcome:
    status: np.ndarray  # int8 per chunk address: NOT_FIRED / FIRED / NOT_EVALUATED
    figures: dict[str, Any]  # name → per-address array, or one value shared by all rows
    not_evaluated_reason: str = ""


@dataclass(frozen=True)
class Context:
    scope: Scope
    frames: Frames
    settings: IndicatorSettings
    persons: Persons | None  # set whenever brp is delivered and an enabled rule needs it

    @property
    def n(self) -> int:
        return len(self.scope.chunk)

    def brp(self) -> Persons:
        assert self.persons is not None
        return self.persons


def _status(fired: np.ndarray) -> np.ndarray:
    return fired.astype(np.int8)


def overbewoning(ctx: Context) -> Outcome:
    """woonfunctie, ≥ 1 person, oppervlakte / persons strictly below the threshold."""
    n_persons, m2 = ctx.brp().n_persons, ctx.scope.chunk.m2
    threshold = ctx.settings.overbewoning_m2_per_person
    candidate = ctx.scope.chunk.is_woon & (n_persons >= 1)
    with np.errstate(invalid="ignore"):
        fired = candidate & (m2 < threshold * n_persons)  # no division: exact at the boundary
    status = _status(fired)
    status[candidate & np.isnan(m2)] = NOT_EVALUATED
    with np.errstate(divide="ignore", invalid="ignore"):
        # Rounded *down*, so a shown figure is never at or above a threshold it is below.
        per_person = np.floor(m2 / np.maximum(n_persons, 1) * 100) / 100
    figures = {
        "personen": n_persons,
        "oppervlakte_m2": m2,
        "m2_per_persoon": per_person,
        "drempel": threshold,
    }
    return Outcome(status, figures, NOT_EVALUATED_NO_AREA)


def delivery_latest_jaar(energie: pd.DataFrame | None) -> int | None:
    """The latest `jaar` with a usable row in an energie delivery (None if there is none)."""
    if energie is None:
        return None
    jaar = pd.to_numeric(energie["jaar"], errors="coerce")
    kwh = pd.to_numeric(energie["elektriciteit_kwh"], errors="coerce")
    latest = jaar[kwh.notna().to_numpy()].max()
    return None if pd.isna(latest) else int(latest)


def leeg_maar_verbruik(ctx: Context) -> Outcome:
    """woonfunctie, 0 persons, electricity in the delivery's latest jaar ≥ threshold; of several
    rows for one address in that year the highest counts."""
    energie = ctx.frames.energie
    assert energie is not None
    jaar_ref = ctx.frames.energie_latest_jaar
    if jaar_ref is None:
        jaar_ref = delivery_latest_jaar(energie)
    pos = ctx.scope.chunk_positions("energie")
    jaar = pd.to_numeric(energie["jaar"], errors="coerce").to_numpy(float)
    kwh = pd.to_numeric(energie["elektriciteit_kwh"], errors="coerce").to_numpy(float)
    keep = (pos >= 0) & (jaar == jaar_ref) & ~np.isnan(kwh)
    kwh_latest = np.full(ctx.n, -np.inf)
    np.maximum.at(kwh_latest, pos[keep], kwh[keep])
    threshold = ctx.settings.leeg_min_kwh
    fired = ctx.scope.chunk.is_woon & (ctx.brp().n_persons == 0) & (kwh_latest >= threshold)
    figures = {"jaar": jaar_ref, "elektriciteit_kwh": kwh_latest, "drempel": threshold}
    return Outcome(_status(fired), figures)


def alleenstaand_met_volwassene(ctx: Context) -> Outcome:
    """A person registered here has a benefit with leefvorm exactly 'alleenstaand', and at
    least the threshold of *other* adults (the recipient excluded) is registered here."""
    persons, uitkering = ctx.brp(), ctx.frames.uitkering
    assert uitkering is not None
    leefvorm = pd.Series(uitkering["leefvorm"], dtype=object).str.strip().str.lower()
    is_alleen = (leefvorm == LEEFVORM_ALLEENSTAAND).to_numpy()
    alleen_codes = ctx.scope.person[("uitkering", "person_key")][is_alleen]
    alleen_person = np.zeros(ctx.scope.n_people + 1, dtype=bool)
    alleen_person[alleen_codes] = True  # -1 (missing key) hits the spare slot
    alleen = alleen_person[persons.pair_person]
    other_adults = persons.n_adults[persons.pair_pos] - persons.pair_adult
    firing = alleen & (other_adults >= ctx.settings.alleenstaand_min_other_adults)
    count = np.bincount(persons.pair_pos[firing], minlength=ctx.n)
    figures = {
        "personen_alleenstaand": count,
        "volwassenen": persons.n_adults,
        "drempel": ctx.settings.alleenstaand_min_other_adults,
    }
    return Outcome(_status(count > 0), figures)


def huurder_niet_ingeschreven(ctx: Context) -> Outcome:
    """A tenant of the address is not registered at it, including a tenant registered nowhere."""
    persons, huur = ctx.brp(), ctx.frames.huur
    assert huur is not None
    pos = ctx.scope.chunk_positions("huur")
    tenant = ctx.scope.person[("huur", "huurder_key")]
    keep = (pos >= 0) & (tenant >= 0)
    # Distinct (address, tenant); a tenant absent from the BRP simply has no registration key.
    key = sorted_unique(pos[keep] * ctx.scope.n_people + tenant[keep])
    pos = key // ctx.scope.n_people
    registered_here = is_member(persons.pair_key, key)
    total = np.bincount(pos, minlength=ctx.n)
    missing = np.bincount(pos[~registered_here], minlength=ctx.n)
    figures = {"huurders": total, "huurders_niet_ingeschreven": missing}
    return Outcome(_status(missing > 0), figures)


def bedrijven_op_woonadres(ctx: Context) -> Outcome:
    """woonfunctie and ≥ threshold distinct kvk numbers (duplicates count once)."""
    kvk = ctx.frames.kvk
    assert kvk is not None
    pos = ctx.scope.chunk_positions("kvk")
    count = distinct_count(pos, pd.factorize(kvk["kvk_key"])[0], ctx.n)
    threshold = ctx.settings.bedrijven_min_kvk
    fired = ctx.scope.chunk.is_woon & (count >= threshold)
    return Outcome(_status(fired), {"kvk_nummers": count, "drempel": threshold})


def verhuisdynamiek(ctx: Context) -> Outcome:
    """≥ threshold distinct persons registered here with an inschrijving in the window
    peildatum − days ≤ date ≤ peildatum."""
    peil = ctx.settings.peildatum
    threshold = ctx.settings.verhuis_min_inschrijvingen
    recent = ctx.brp().n_recent
    figures = {
        "recente_inschrijvingen": recent,
        "vanaf": (peil - timedelta(days=ctx.settings.verhuis_window_days)).isoformat(),
        "tot_en_met": peil.isoformat(),
        "drempel": threshold,
    }
    return Outcome(_status(recent >= threshold), figures)


def samenloop_signalen(ctx: Context) -> Outcome:
    """Signals from ≥ threshold distinct organisations (one partner's several signals: one)."""
    signaal = ctx.frames.signaal
    assert signaal is not None
    pos = ctx.scope.chunk_positions("signaal")
    count = distinct_count(pos, pd.factorize(signaal["organisation"])[0], ctx.n)
    threshold = ctx.settings.samenloop_min_partners
    return Outcome(_status(count >= threshold), {"partners": count, "drempel": threshold})


def toeslagpartner_elders(ctx: Context) -> Outcome:
    """A person registered here receives a toeslag whose partner is registered at another
    project (bag) address and not at this one. A partner registered nowhere does not count."""
    persons, toeslag = ctx.brp(), ctx.frames.toeslag
    assert toeslag is not None
    if "partner_key" not in toeslag.columns or len(toeslag) == 0:
        return Outcome(_status(np.zeros(ctx.n, bool)), {"personen": np.zeros(ctx.n, np.int64)})
    scope, p = ctx.scope, ctx.scope.n_people
    person = scope.person[("toeslag", "person_key")]
    partner = scope.person[("toeslag", "partner_key")]
    ok = (person >= 0) & (partner >= 0)
    links = sorted_unique(person[ok] * p + partner[ok])  # distinct (person, partner)
    link_person, link_partner = links // p, links % p
    # Where every person is registered within the project: (project address, person) keys.
    brp_pos, brp_person = (
        scope.address_pos[("brp", "address_key")],
        scope.person[("brp", "person_key")],
    )
    reg_ok = (brp_pos >= 0) & (brp_person >= 0)
    registered = sorted_unique(brp_pos[reg_ok] * p + brp_person[reg_ok])
    n_project_addresses = np.bincount(registered % p, minlength=p)
    # Join this chunk's registrations with the links on person (both sides sorted by person).
    by_person = np.argsort(persons.pair_person, kind="stable")
    pair_person = persons.pair_person[by_person]
    lo = np.searchsorted(link_person, pair_person, side="left")
    hi = np.searchsorted(link_person, pair_person, side="right")
    reps = hi - lo
    pair_idx = np.repeat(by_person, reps)
    link_idx = np.repeat(lo - (np.cumsum(reps) - reps), reps) + np.arange(reps.sum())
    pos = persons.pair_pos[pair_idx]
    partners = link_partner[link_idx]
    project_pos = scope.project_of_chunk[pos]
    partner_here = is_member(registered, project_pos * p + partners)
    firing = ~partner_here & (n_project_addresses[partners] >= 1)
    firing_people = sorted_unique(persons.pair_key[pair_idx[firing]])  # count each person once
    count = np.bincount(firing_people // p, minlength=ctx.n)
    return Outcome(_status(count > 0), {"personen": count})


RULES: dict[IndicatorCode, Callable[[Context], Outcome]] = {
    IndicatorCode.OVERBEWONING: overbewoning,
    IndicatorCode.LEEG_MAAR_VERBRUIK: leeg_maar_verbruik,
    IndicatorCode.ALLEENSTAAND_MET_VOLWASSENE: alleenstaand_met_volwassene,
    IndicatorCode.HUURDER_NIET_INGESCHREVEN: huurder_niet_ingeschreven,
    IndicatorCode.BEDRIJVEN_OP_WOONADRES: bedrijven_op_woonadres,
    IndicatorCode.VERHUISDYNAMIEK: verhuisdynamiek,
    IndicatorCode.SAMENLOOP_SIGNALEN: samenloop_signalen,
    IndicatorCode.TOESLAGPARTNER_ELDERS: toeslagpartner_elders,
}
