#!/usr/bin/env python3
"""Generates the demo programme in sample-data/ (bids and evaluators) from the public cost
ranges of ../shared/domain/FINANCE.md and the accelerators of hardware.csv.

Deterministic: the same script writes the same files. Run it from the repository root
after changing a range; the files it writes are committed and `gigafund demo` reads them.
Every figure is illustrative; sample-data/README.md says where each range comes from.
"""

import math
from datetime import date, timedelta
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# An optional argument writes elsewhere (the tests compare that with the committed files).
OUT = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "sample-data"
rng = random.Random(20260630)

GF = "INVESTAI-AIGF-2026"
AIF = "EUROHPC-AIF-2026-01"
AIFA = "EUROHPC-AIFA-2026-01"

# (accelerator_key, all-in IT cost per accelerator in EUR incl. server/network/storage
# share, IT kW per accelerator incl. host share)
HW = {
    "B200": (42_000, 1.9),
    "B300": (52_000, 2.0),
    "GB200": (55_000, 1.8),
    "GB300": (62_000, 1.95),
    "MI355X": (40_000, 2.1),
    "MI325X": (30_000, 1.6),
    "H200-SXM": (33_000, 1.3),
    "H100-SXM": (28_000, 1.3),
    "GH200": (36_000, 1.2),
    "MI300X": (26_000, 1.3),
    "Gaudi3": (18_000, 1.2),
}

# Fictional consortia. Each member: (name, country, kind, role, e-mail domain, parent group)
BIDS = [
    dict(call=GF, acronym="AURORA-GF", title="Aurora Nordic AI Gigafactory",
         consortium="Aurora Gigafactory Consortium", scope=["frontier-training", "sovereign-llm"],
         members=[
             ("Aurora Compute Oy", "FI", "large_enterprise", "coordinator", "aurora-compute.example", None),
             ("Pohjola Datakeskus Oy", "FI", "large_enterprise", "hosting_entity", "pohjola-dc.example", "Pohjola Energia Group"),
             ("Tekniikan Tutkimuslaitos", "FI", "research", "partner", "ttl-research.example", None),
             ("Nordlys Kapital AS", "NO", "investor", "investor", "nordlys-kapital.example", None),
             ("Svealand AI Labs AB", "SE", "sme", "partner", "svealand-ai.example", None),
         ],
         sites=[("Kajaani North", "FI", "Kainuu", 0.72, 1.12, 0.05, 1.00, "2027-04-01", "2028-03-01"),
                ("Kajaani South", "FI", "Kainuu", 0.28, 1.15, 0.05, 1.00, "2027-09-01", "2028-06-01")],
         hw="GB300", n=120_000, eu=1_450, ms=1_100, debt=0.22, guarantee="pari_passu"),
    dict(call=GF, acronym="RHEIN-AI", title="Rhein-Main Sovereign AI Gigafactory",
         consortium="Rhein-Main KI-Gigafabrik", scope=["frontier-training", "industrial-ai"],
         members=[
             ("Rhein-Main Rechenwerk GmbH", "DE", "large_enterprise", "coordinator", "rm-rechenwerk.example", "Hessische Infrastruktur Holding"),
             ("Mainufer Rechenzentren AG", "DE", "large_enterprise", "hosting_entity", "mainufer-rz.example", "Hessische Infrastruktur Holding"),
             ("Institut für Verteilte KI", "DE", "research", "partner", "ivki.example", None),
             ("Wiener Hochleistungsrechnen GmbH", "AT", "hpc_centre", "partner", "whlr.example", None),
             ("Lëtzebuerg Capital Partners S.A.", "LU", "investor", "investor", "lux-capital.example", None),
         ],
         sites=[("Frankfurt-Höchst", "DE", "Hessen", 1.0, 1.18, 0.20, 0.85, "2027-06-01", "2028-09-01")],
         hw="B300", n=140_000, eu=1_600, ms=1_250, debt=0.25, guarantee="first_loss"),
    dict(call=GF, acronym="IBERIA-GF", title="Iberian Solar AI Gigafactory",
         consortium="Iberia Gigafactoría IA", scope=["frontier-training", "science"],
         members=[
             ("Solcómputo Ibérica S.A.", "ES", "large_enterprise", "coordinator", "solcomputo.example", None),
             ("Centro de Supercomputación del Sur", "ES", "hpc_centre", "hosting_entity", "cssur.example", None),
             ("Alentejo Dados S.A.", "PT", "large_enterprise", "partner", "alentejo-dados.example", None),
             ("Instituto de Inteligência Artificial de Lisboa", "PT", "research", "partner", "iial.example", None),
             ("Fondo Ibérico de Infraestructuras", "ES", "investor", "investor", "fii.example", None),
         ],
         sites=[("Extremadura Solar Campus", "ES", "Extremadura", 0.65, 1.22, 0.35, 0.92, "2027-02-01", "2028-02-01"),
                ("Sines Atlantic", "PT", "Alentejo", 0.35, 1.20, 0.10, 0.88, "2027-05-01", "2028-05-01")],
         hw="B200", n=125_000, eu=1_300, ms=950, debt=0.20, guarantee="pari_passu"),
    dict(call=GF, acronym="VISTULA-AI", title="Vistula Central European AI Gigafactory",
         consortium="Vistula AI Consortium", scope=["industrial-ai", "public-sector"],
         members=[
             ("Wisła Obliczenia S.A.", "PL", "large_enterprise", "coordinator", "wisla-obliczenia.example", None),
             ("Łódź Data Park Sp. z o.o.", "PL", "large_enterprise", "hosting_entity", "lodz-datapark.example", None),
             ("Pražské výpočetní centrum a.s.", "CZ", "hpc_centre", "partner", "pvc.example", None),
             ("Bratislavský inštitút AI", "SK", "research", "partner", "bia.example", None),
             ("Duna Tőkealap Zrt.", "HU", "investor", "investor", "duna-toke.example", None),
         ],
         sites=[("Łódź East", "PL", "Łódzkie", 1.0, 1.25, 0.25, 0.60, "2027-08-01", "2029-01-01")],
         hw="MI355X", n=110_000, eu=1_150, ms=800, debt=0.18, guarantee="first_loss"),
    # Host site in the United Kingdom: not an EU Member State nor a EuroHPC Participating
    # State, so the SITE rule fails (the demo's ineligible bid).
    dict(call=GF, acronym="THAMES-GF", title="Thames Estuary AI Gigafactory",
         consortium="Thames-Rotterdam AI Alliance", scope=["frontier-training"],
         members=[
             ("Maasvlakte Compute B.V.", "NL", "large_enterprise", "coordinator", "maasvlakte-compute.example", None),
             ("Estuary Data Centres Ltd", "GB", "large_enterprise", "hosting_entity", "estuary-dc.example", None),
             ("Delftse AI Coöperatie", "NL", "research", "partner", "delft-ai.example", None),
             ("Brabant Groeifonds N.V.", "NL", "investor", "investor", "brabant-groei.example", None),
         ],
         sites=[("Thurrock", "GB", "Essex", 1.0, 1.20, 0.15, 0.70, "2027-03-01", "2028-06-01")],
         hw="GB200", n=105_000, eu=1_200, ms=600, debt=0.25, guarantee="none"),
    dict(call=AIF, acronym="ADRIA-AIF", title="Adriatic AI Factory",
         consortium="Adriatic AI Factory", scope=["health", "tourism", "maritime"],
         members=[
             ("Centro di Calcolo Adriatico", "IT", "hpc_centre", "hosting_entity", "cca-hpc.example", None),
             ("Università Adriatica di Informatica", "IT", "research", "coordinator", "uai.example", None),
             ("Sveučilišni računski centar Rijeka", "HR", "hpc_centre", "partner", "src-rijeka.example", None),
             ("Ljubljanski AI Inkubator d.o.o.", "SI", "sme", "partner", "lai-inkubator.example", None),
         ],
         sites=[("Bologna Tecnopolo Est", "IT", "Emilia-Romagna", 1.0, 1.15, 0.30, 0.75, "2026-12-01", "2027-06-01")],
         hw="H200-SXM", n=6_000, eu=0.48, ms=0.40, debt=0.0, guarantee="none"),
    dict(call=AIF, acronym="CARPATHIA", title="Carpathia AI Factory",
         consortium="Carpathia AI Factory Consortium", scope=["public-sector", "agriculture"],
         members=[
             ("Institutul Național de Calcul Cluj", "RO", "hpc_centre", "hosting_entity", "inc-cluj.example", None),
             ("Universitatea Tehnică din Timișoara", "RO", "research", "coordinator", "utt.example", None),
             ("Budapesti Mesterséges Intelligencia Kft.", "HU", "sme", "partner", "bmi-kft.example", None),
             ("Софийски изчислителен център", "BG", "hpc_centre", "partner", "sic-sofia.example", None),
         ],
         sites=[("Cluj-Napoca Data Campus", "RO", "Nord-Vest", 1.0, 1.28, 0.40, 0.55, "2027-01-15", "2027-10-01")],
         hw="MI300X", n=4_000, eu=0.49, ms=0.35, debt=0.0, guarantee="none"),
    dict(call=AIF, acronym="BALTIC-AIF", title="Baltic Sea AI Factory",
         consortium="Baltic Sea AI Factory", scope=["language-models", "maritime"],
         members=[
             ("Tallinna Superarvutikeskus", "EE", "hpc_centre", "hosting_entity", "tsak.example", None),
             ("Rīgas Tehniskā AI Laboratorija", "LV", "research", "coordinator", "rtal.example", None),
             ("Vilniaus Duomenų Centras UAB", "LT", "large_enterprise", "partner", "vdc.example", None),
             ("Helsingin Tekoälykeskus", "FI", "research", "partner", "htk.example", None),
         ],
         sites=[("Tallinn Ülemiste", "EE", "Harju", 1.0, 1.18, 0.10, 0.80, "2027-03-01", "2027-12-01")],
         hw="GH200", n=3_500, eu=0.47, ms=0.38, debt=0.05, guarantee="none"),
    # Requests 58 % of acquisition costs from the EU: fails the EU-SHARE rule.
    dict(call=AIF, acronym="AEGEAN-AI", title="Aegean AI Factory for Science and Industry",
         consortium="Aegean AI Factory", scope=["science", "shipping", "health"],
         members=[
             ("Εθνικό Κέντρο Υπολογιστών Αιγαίου", "GR", "hpc_centre", "hosting_entity", "ekya.example", None),
             ("Πανεπιστήμιο Αιγαίου — Εργαστήριο ΤΝ", "GR", "research", "coordinator", "pa-tn.example", None),
             ("Lefkosia AI Solutions Ltd", "CY", "sme", "partner", "lefkosia-ai.example", None),
         ],
         sites=[("Lavrio Tech Park", "GR", "Attica", 1.0, 1.30, 0.45, 0.65, "2027-02-01", "2027-11-01")],
         hw="H200-SXM", n=3_000, eu=0.58, ms=0.30, debt=0.0, guarantee="none"),
    dict(call=AIFA, acronym="LIFFEY-ANT", title="Liffey AI Factory Antenna",
         consortium="Liffey Antenna", scope=["public-sector", "smes"],
         members=[
             ("Irish Centre for Applied AI Computing", "IE", "hpc_centre", "hosting_entity", "icaac.example", None),
             ("Dublin Digital Enterprise Agency", "IE", "public_body", "coordinator", "ddea.example", None),
         ],
         sites=[("Dublin Docklands", "IE", "Dublin", 1.0, 1.25, 0.20, 0.70, "2026-11-01", "2027-04-01")],
         hw="H100-SXM", n=512, eu=0.50, ms=0.45, debt=0.0, guarantee="none"),
    dict(call=AIFA, acronym="DANUBE-ANT", title="Danube AI Factory Antenna",
         consortium="Danube Antenna", scope=["smes", "manufacturing"],
         members=[
             ("Österreichisches KI-Servicezentrum", "AT", "public_body", "coordinator", "oeks.example", None),
             ("Wiener Hochleistungsrechnen GmbH", "AT", "hpc_centre", "hosting_entity", "whlr.example", None),
             ("Slovenský superpočítačový uzol", "SK", "hpc_centre", "partner", "ssu.example", None),
         ],
         sites=[("Wien Arsenal", "AT", "Wien", 1.0, 1.20, 0.15, 0.90, "2026-12-01", "2027-05-01")],
         hw="MI325X", n=640, eu=0.48, ms=0.40, debt=0.0, guarantee="none"),
    dict(call=AIFA, acronym="FJORD-ANT", title="Fjord AI Factory Antenna",
         consortium="Fjord Antenna", scope=["energy", "maritime"],
         members=[
             ("Bergen Beregningssenter AS", "NO", "hpc_centre", "hosting_entity", "bergen-beregning.example", None),
             ("Høgskolen for Kunstig Intelligens", "NO", "research", "coordinator", "hki.example", None),
             ("Københavns AI-Værksted ApS", "DK", "sme", "partner", "kbh-ai.example", None),
         ],
         sites=[("Bergen Sandviken", "NO", "Vestland", 1.0, 1.10, 0.05, 0.98, "2027-01-01", "2027-06-01")],
         hw="H200-SXM", n=384, eu=0.45, ms=0.40, debt=0.0, guarantee="none"),
]

EVALUATORS = [
    # name, e-mail, organisation, country, expertise, organisation is a consortium member?,
    # declared conflicts [(bid reference, kind, note)]
    ("Dr. Ingrid Sørensen", "ingrid.sorensen@dtu-hpc.example", "Danish Institute of HPC", "DK",
     ["hpc", "energy"], [("EUROHPC-AIFA-2026-01/FJORD-ANT", "recent_collaboration", "Co-authored two papers with the coordinator in 2025.")]),
    ("Prof. Łukasz Wiśniewski", "l.wisniewski@agh-ai.example", "Akademia Górniczo-Hutnicza AI Lab", "PL",
     ["ai-systems", "hpc"], [("INVESTAI-AIGF-2026/VISTULA-AI", "advisory_role", "Sits on the advisory board of the coordinator.")]),
    ("Dr. Zsófia Kovács-Nagy", "zsofia.kovacs@elte-inf.example", "ELTE Informatics", "HU",
     ["finance", "public-funding"], []),
    ("Marie-Hélène Dubois", "mh.dubois@inria-eval.example", "Centre de recherche en IA de Grenoble", "FR",
     ["ai-systems", "access-policy"], []),
    ("Ing. Tomáš Dvořák", "tomas.dvorak@cvut-it.example", "ČVUT Data Centre Engineering", "CZ",
     ["energy", "data-centres"], []),
    ("Dr. Ioana Țurcanu", "ioana.turcanu@upb-ai.example", "Politehnica Bucharest AI Institute", "RO",
     ["finance", "hpc"], [("EUROHPC-AIF-2026-01/CARPATHIA", "employment", "Held a post at the coordinating university until 2025.")]),
    ("Giulia Ferraro", "giulia.ferraro@polimi-energy.example", "Energy Systems Lab, Milano", "IT",
     ["energy", "sustainability"], []),
    ("Dr. Pieter van der Berg", "p.vanderberg@maasvlakte-compute.example", "Maasvlakte Compute B.V.", "NL",
     ["data-centres", "finance"], []),
    ("Prof. Ana Lúcia Marques", "ana.marques@ist-ai.example", "Instituto Superior de IA", "PT",
     ["ai-systems", "science"], []),
    ("Dr. Jonas Ålund", "jonas.alund@kth-hpc.example", "Nordic HPC Evaluation Office", "SE",
     ["hpc", "finance"], [("INVESTAI-AIGF-2026/AURORA-GF", "competitor", "Employer competes for the same procurement in Sweden.")]),
]

CAPEX_SPLIT = [  # (category, description, share of facility capex)
    ("land_and_building", "Land, shell and core building", 0.38),
    ("power_and_cooling", "Substations, UPS, liquid cooling plant", 0.47),
    ("grid_connection", "High-voltage grid connection", 0.10),
    ("contingency", "Facility contingency (5 %)", 0.05),
]
IT_SPLIT = [
    ("it_hardware", "Accelerator servers (generation 1)", 0.82),
    ("network", "Scale-out fabric and optics", 0.10),
    ("storage", "Parallel file system and object store", 0.06),
    ("software", "Scheduler, orchestration and security software", 0.02),
]


def toml_str(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def eur(x):
    """Whole euros, written with underscores for readability."""
    return f"{int(round(x)):_}"


def bid_file(b):
    cost, kw = HW[b["hw"]]
    n = b["n"]
    it_mw = n * kw / 1000
    # Facility capex per MW of IT: ~EUR 10-12m for new gigafactory builds (FINANCE.md),
    # lower for AI Factories hosted in existing centres.
    gf = b["call"] == GF
    fac_per_mw = rng.uniform(10.0e6, 12.0e6) if gf else rng.uniform(4.0e6, 6.5e6)
    facility = it_mw * fac_per_mw
    it = n * cost
    start = 2026 if gf else 2026
    constr = 2 if gf else 1
    capex = []
    for i in range(constr):
        share = 1 / constr
        for cat, desc, s in CAPEX_SPLIT:
            capex.append((start + i, cat, desc, facility * s * share))
    for cat, desc, s in IT_SPLIT:
        capex.append((start + constr - 1, cat, desc, it * s))
    capex = [(y, c, d, round(a)) for (y, c, d, a) in capex]
    capex_total = sum(a for *_, a in capex)

    # Requested EU and Member-State contributions: gigafactories in EUR millions,
    # factories and antennas as a share of acquisition cost.
    if gf:
        eu = b["eu"] * 1e6
        ms = b["ms"] * 1e6
    else:
        # Rounded down to EUR 1,000 so that a request of "50 %" stays within 50 %.
        eu = math.floor(capex_total * b["eu"] / 1000) * 1000
        ms = math.floor(capex_total * b["ms"] / 1000) * 1000
    debt = round(capex_total * b["debt"], -3)
    equity = capex_total - eu - ms - debt

    # Opex for five operating years. Electricity at ~EUR 0.12-0.19/kWh for large
    # contracts (EU non-household average 0.19), staff ~EUR 120k per FTE.
    pue = sum(s[3] * s[5] for s in b["sites"])
    util_power = 0.30 + 0.70 * 0.80
    price = rng.uniform(0.10, 0.17)
    fte = max(12, round(it_mw * 1.1))
    opex = []
    for k in range(5):
        y = start + constr + k
        kwh = it_mw * 1000 * util_power * 8760 * pue
        opex.append((y, "electricity", "Electricity for IT and cooling", kwh * price * 1.02**k))
        opex.append((y, "staff", f"Operations staff ({fte} FTE)", fte * 120_000 * 1.03**k))
        opex.append((y, "maintenance", "Facility (2 %) and IT (4 %) maintenance", (0.02 * facility + 0.04 * it) * 1.02**k))
        opex.append((y, "insurance", "Property and equipment insurance", 0.005 * (facility + it)))
        opex.append((y, "connectivity", "Wide-area network and peering", max(0.4e6, it_mw * 15_000)))
    opex = [(y, c, d, round(a)) for (y, c, d, a) in opex]

    lines = [
        "# Demo bid: fictional consortium, illustrative figures (see sample-data/README.md).",
        "# Generated by scripts/gen-sample-data.py: edit the script, not this file.",
        f"call = {toml_str(b['call'])}",
        f"acronym = {toml_str(b['acronym'])}",
        f"title = {toml_str(b['title'])}",
        'status = "submitted"',
        f"submitted_at = {b['submitted_at']}",
        "scope = [" + ", ".join(toml_str(s) for s in b["scope"]) + "]",
        f"requested_eu_eur = {eur(eu)}",
        f"requested_member_state_eur = {eur(ms)}",
        "",
        "[consortium]",
        f"name = {toml_str(b['consortium'])}",
    ]
    for (name, country, kind, role, domain, parent) in b["members"]:
        lines += ["", "[[consortium.member]]", f"name = {toml_str(name)}", f'country = "{country}"',
                  f'kind = "{kind}"', f'role = "{role}"', f"email_domain = {toml_str(domain)}"]
        if parent:
            lines.append(f"parent_group = {toml_str(parent)}")
    for (name, country, region, share, s_pue, wue, ren, grid, live) in b["sites"]:
        lines += ["", "[[site]]", f"name = {toml_str(name)}", f'country = "{country}"',
                  f"region = {toml_str(region)}", f"it_mw = {it_mw * share:.1f}", f"pue = {s_pue}",
                  f"wue = {wue}", f"renewable_share = {ren}", f"grid_connection = {grid}",
                  f"go_live = {live}"]
    lines += ["", "[[hardware]]", "generation = 1", f'accelerator = "{b["hw"]}"', f"count = {n:_}"]
    for (y, c, d, a) in capex:
        lines += ["", "[[capex]]", f"year = {y}", f'category = "{c}"', f"description = {toml_str(d)}", f"amount_eur = {eur(a)}"]
    for (y, c, d, a) in opex:
        lines += ["", "[[opex]]", f"year = {y}", f'category = "{c}"', f"description = {toml_str(d)}", f"amount_eur = {eur(a)}"]
    g = b["guarantee"]
    lines += ["", "[financing]", f"eu_grant_eur = {eur(eu)}", f"member_state_grant_eur = {eur(ms)}",
              f"senior_debt_eur = {eur(debt)}", f"equity_eur = {eur(equity)}", f'guarantee = "{g}"',
              f"guarantee_eur = {eur(debt * 0.5 if g != 'none' else 0)}"]
    # The implementation plan, from the sites' dates (no random draw: the figures above
    # stay as they were).
    grid = min(str(s[7]) for s in b["sites"])
    live = min(str(s[8]) for s in b["sites"])
    full = date.fromisoformat(live) + timedelta(days=183)
    for (name, when, desc) in [
        ("Financial close", f"{start}-09-30", "Grant agreement signed, senior debt and equity committed"),
        ("Grid connection energised", grid, "High-voltage connection of the first site in service"),
        ("Go-live", live, "First-generation accelerators in production, acceptance tests passed"),
        ("Full service", full.isoformat(), "All partitions open to users, first access calls awarded"),
    ]:
        lines += ["", "[[milestone]]", f"name = {toml_str(name)}", f"date = {when}",
                  f"description = {toml_str(desc)}"]
    return "\n".join(lines) + "\n"


def main():
    bids_dir = OUT / "bids"
    bids_dir.mkdir(parents=True, exist_ok=True)
    for old in bids_dir.glob("*.toml"):
        old.unlink()
    deadlines = {GF: "2026-06-2", AIF: "2026-09-1", AIFA: "2026-10-1"}
    for i, b in enumerate(BIDS, 1):
        b["submitted_at"] = f"{deadlines[b['call']]}{rng.randint(0, 4)}T{rng.randint(8, 17):02d}:{rng.randint(0, 59):02d}:00Z"
        name = f"{i:02d}-{b['acronym'].lower()}.toml"
        (bids_dir / name).write_text(bid_file(b), encoding="utf-8")

    lines = [
        "# Demo evaluators (fictional people) and their declared conflicts of interest.",
        "# Generated by scripts/gen-sample-data.py: edit the script, not this file.",
        "# Dr. van der Berg works for a member of THAMES-GF: a detected conflict (same",
        "# organisation and e-mail domain), not a declared one.",
    ]
    for (name, email, org, country, tags, conflicts) in EVALUATORS:
        lines += ["", "[[evaluator]]", f"name = {toml_str(name)}", f"email = {toml_str(email)}",
                  f"organisation = {toml_str(org)}", f'country = "{country}"',
                  "expertise = [" + ", ".join(toml_str(t) for t in tags) + "]"]
        for (bid, kind, note) in conflicts:
            lines += ["", "[[evaluator.conflict]]", f"bid = {toml_str(bid)}", f'kind = "{kind}"', f"note = {toml_str(note)}"]
    (OUT / "evaluators.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
