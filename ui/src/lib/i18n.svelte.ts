// English and French texts, and number, euro and date formats for the chosen language.
// The choice is remembered on this computer (localStorage): nothing leaves the machine.

export type Lang = "en" | "fr";

const en = {
  appSubtitle: "EU AI-infrastructure funding",
  navDashboard: "Dashboard",
  navBids: "Bids",
  navCompute: "Compute per euro",
  computeTitle: "Compute per euro",
  computeIntro:
    "Measured AI training work per euro of lifetime cost and per MWh, from MLPerf results (H200e-hours: the work of one H200 in one hour of a 512-accelerator job). Ranges come from the 95 % interval of the scaling exponent.",
  eurPerHour: "€ per H200e-hour",
  range: "Range",
  hoursPerMwh: "H200e-hours per MWh",
  workPerYear: "Work/year (bn H200e-h)",
  tcoPv: "TCO (PV)",
  basis: "Basis",
  measured: "Measured",
  fallback: "Peak fallback",
  noEstimate: "No estimate",
  scalingFit: (s: string, lo: string, hi: string, n: number) => `Scaling exponent s = ${s} (95 % CI ${lo}–${hi}, ${n} runs)`,
  forCriterion: "Informs the criterion",
  computeOfBid: "Compute per euro",
  pSource: "Productivity p",
  power: "Power per accelerator",
  plausibility: "Plausibility",
  flagged: "Question",
  plausible: "Typical",
  noPopulation: "—",
  relativeTitle: (round: string) => `Relative productivity, MLPerf Training v${round} (H200-SXM = 1)`,
  precision: "Precision",
  runs: "Runs",
  submitters: "Submitters",
  medianMinutes: "Median (min)",
  openDatabase: "Open database…",
  newDatabase: "New database…",
  database: "Database",
  schema: "schema",
  language: "Language",
  loading: "Loading…",
  firstRunTitle: "Welcome to Gigafund",
  firstRunText:
    "This database is empty. Load the demo programme — three calls, twelve consortium bids and ten evaluators, all fictional — to explore Gigafund, or open another database.",
  loadDemo: "Load the demo programme",
  dashboardTitle: "Programme overview",
  calls: "Calls",
  bids: "Bids",
  eligible: "Eligible",
  ineligible: "Ineligible",
  budget: "Budget",
  totalBudget: "Total budget",
  requestedEu: "Requested EU",
  requestedMs: "Requested Member State",
  requestedVsBudget: "Requested EU contribution vs budget",
  oversubscribed: "oversubscribed",
  withinBudget: "within budget",
  countries: "Countries",
  organisations: "Organisations",
  evaluators: "Evaluators",
  conflicts: "declared conflicts",
  deadline: "Deadline",
  criteria: "criteria",
  viewBids: "View bids",
  filterPlaceholder: "Filter by acronym, consortium, country, accelerator… (press /)",
  allCalls: "All calls",
  allBids: "All bids",
  onlyEligible: "Eligible only",
  onlyIneligible: "Ineligible only",
  showing: (n: number, total: number) => `${n} of ${total} bids`,
  acronym: "Acronym",
  call: "Call",
  consortium: "Consortium",
  coordinator: "Coordinator",
  accelerator: "Accelerator",
  count: "Count",
  itMw: "IT MW",
  pue: "PUE",
  eligibility: "Eligibility",
  noMatch: "No bid matches the filter.",
  back: "Back to bids",
  status: "Status",
  version: "version",
  submitted: "submitted",
  eligibilityRules: "Eligibility rules",
  passed: "passed",
  failed: "failed",
  consortiumByCountry: "Consortium by country",
  country: "Country",
  members: "Members",
  roles: "Roles",
  sites: "Sites",
  technical: "Technical summary",
  site: "Site",
  region: "Region",
  wue: "WUE (L/kWh)",
  renewable: "Renewable",
  gridConnection: "Grid connection",
  goLive: "Go-live",
  hardware: "Hardware",
  generation: "Generation",
  financial: "Financial summary",
  year: "Year",
  capex: "Capex",
  opex: "Opex",
  total: "Total",
  financingPlan: "Financing plan",
  euGrant: "EU grant",
  msGrant: "Member-State grant",
  seniorDebt: "Senior debt",
  equity: "Equity",
  guarantee: "Guarantee requested",
  share: "Share",
  peakFp8: "Peak FP8 (vendor)",
  memory: "Memory",
  tdp: "TDP",
  dismiss: "Dismiss",
  error: "Error",
  kinds: {
    ai_gigafactory: "AI Gigafactory",
    ai_factory: "AI Factory",
    ai_factory_antenna: "AI Factory Antenna",
  },
  roleNames: {
    coordinator: "Coordinator",
    hosting_entity: "Hosting entity",
    partner: "Partner",
    investor: "Investor",
  },
  statusNames: { draft: "Draft", submitted: "Submitted", withdrawn: "Withdrawn" },
  guaranteeNames: { none: "None", pari_passu: "Pari passu", first_loss: "First loss" },
};

type Dict = typeof en;

const fr: Dict = {
  appSubtitle: "Financement européen des infrastructures d’IA",
  navDashboard: "Tableau de bord",
  navBids: "Propositions",
  navCompute: "Calcul par euro",
  computeTitle: "Calcul par euro",
  computeIntro:
    "Travail d’entraînement d’IA mesuré par euro de coût sur la durée de vie et par MWh, à partir des résultats MLPerf (H200e-heure : le travail d’un H200 pendant une heure dans une tâche de 512 accélérateurs). Les fourchettes viennent de l’intervalle à 95 % de l’exposant d’échelle.",
  eurPerHour: "€ par H200e-heure",
  range: "Fourchette",
  hoursPerMwh: "H200e-heures par MWh",
  workPerYear: "Travail/an (Md H200e-h)",
  tcoPv: "Coût total (VA)",
  basis: "Base",
  measured: "Mesuré",
  fallback: "Repli sur la crête",
  noEstimate: "Pas d’estimation",
  scalingFit: (s: string, lo: string, hi: string, n: number) => `Exposant d’échelle s = ${s} (IC 95 % ${lo}–${hi}, ${n} essais)`,
  forCriterion: "Éclaire le critère",
  computeOfBid: "Calcul par euro",
  pSource: "Productivité p",
  power: "Puissance par accélérateur",
  plausibility: "Vraisemblance",
  flagged: "À vérifier",
  plausible: "Typique",
  noPopulation: "—",
  relativeTitle: (round: string) => `Productivité relative, MLPerf Training v${round} (H200-SXM = 1)`,
  precision: "Précision",
  runs: "Essais",
  submitters: "Soumissionnaires",
  medianMinutes: "Médiane (min)",
  openDatabase: "Ouvrir une base…",
  newDatabase: "Nouvelle base…",
  database: "Base de données",
  schema: "schéma",
  language: "Langue",
  loading: "Chargement…",
  firstRunTitle: "Bienvenue dans Gigafund",
  firstRunText:
    "Cette base est vide. Chargez le programme de démonstration — trois appels, douze propositions de consortiums et dix évaluateurs, tous fictifs — pour découvrir Gigafund, ou ouvrez une autre base.",
  loadDemo: "Charger le programme de démonstration",
  dashboardTitle: "Vue d’ensemble du programme",
  calls: "Appels",
  bids: "Propositions",
  eligible: "Éligible",
  ineligible: "Inéligible",
  budget: "Budget",
  totalBudget: "Budget total",
  requestedEu: "Demande UE",
  requestedMs: "Demande État membre",
  requestedVsBudget: "Contribution de l’UE demandée par rapport au budget",
  oversubscribed: "sursouscrit",
  withinBudget: "dans le budget",
  countries: "Pays",
  organisations: "Organisations",
  evaluators: "Évaluateurs",
  conflicts: "conflits déclarés",
  deadline: "Date limite",
  criteria: "critères",
  viewBids: "Voir les propositions",
  filterPlaceholder: "Filtrer par acronyme, consortium, pays, accélérateur… (touche /)",
  allCalls: "Tous les appels",
  allBids: "Toutes les propositions",
  onlyEligible: "Éligibles seulement",
  onlyIneligible: "Inéligibles seulement",
  showing: (n: number, total: number) => `${n} sur ${total} propositions`,
  acronym: "Acronyme",
  call: "Appel",
  consortium: "Consortium",
  coordinator: "Coordinateur",
  accelerator: "Accélérateur",
  count: "Nombre",
  itMw: "MW IT",
  pue: "PUE",
  eligibility: "Éligibilité",
  noMatch: "Aucune proposition ne correspond au filtre.",
  back: "Retour aux propositions",
  status: "Statut",
  version: "version",
  submitted: "soumise",
  eligibilityRules: "Règles d’éligibilité",
  passed: "respectée",
  failed: "non respectée",
  consortiumByCountry: "Consortium par pays",
  country: "Pays",
  members: "Membres",
  roles: "Rôles",
  sites: "Sites",
  technical: "Synthèse technique",
  site: "Site",
  region: "Région",
  wue: "WUE (L/kWh)",
  renewable: "Renouvelable",
  gridConnection: "Raccordement au réseau",
  goLive: "Mise en service",
  hardware: "Matériel",
  generation: "Génération",
  financial: "Synthèse financière",
  year: "Année",
  capex: "Investissement",
  opex: "Exploitation",
  total: "Total",
  financingPlan: "Plan de financement",
  euGrant: "Subvention UE",
  msGrant: "Subvention de l’État membre",
  seniorDebt: "Dette senior",
  equity: "Fonds propres",
  guarantee: "Garantie demandée",
  share: "Part",
  peakFp8: "FP8 crête (constructeur)",
  memory: "Mémoire",
  tdp: "TDP",
  dismiss: "Fermer",
  error: "Erreur",
  kinds: {
    ai_gigafactory: "Gigafabrique d’IA",
    ai_factory: "Usine d’IA",
    ai_factory_antenna: "Antenne d’usine d’IA",
  },
  roleNames: {
    coordinator: "Coordinateur",
    hosting_entity: "Entité d’accueil",
    partner: "Partenaire",
    investor: "Investisseur",
  },
  statusNames: { draft: "Brouillon", submitted: "Soumise", withdrawn: "Retirée" },
  guaranteeNames: { none: "Aucune", pari_passu: "Pari passu", first_loss: "Première perte" },
};

const dictionaries: Record<Lang, Dict> = { en, fr };
const locales: Record<Lang, string> = { en: "en-IE", fr: "fr-FR" };

function initialLang(): Lang {
  try {
    const saved = globalThis.localStorage?.getItem("gigafund.lang");
    if (saved === "en" || saved === "fr") return saved;
  } catch {
    // Storage can be unavailable (private mode): fall back to the system language.
  }
  return globalThis.navigator?.language?.startsWith("fr") ? "fr" : "en";
}

class I18n {
  lang = $state<Lang>(initialLang());

  get t(): Dict {
    return dictionaries[this.lang];
  }

  get locale(): string {
    return locales[this.lang];
  }

  set(lang: Lang) {
    this.lang = lang;
    document.documentElement.lang = lang;
    try {
      globalThis.localStorage?.setItem("gigafund.lang", lang);
    } catch {
      // Not remembered; the choice still applies to this session.
    }
  }

  /** Euros from integer cents, without decimals: €1,450,000,000 / 1 450 000 000 €. */
  eur(cents: number): string {
    return new Intl.NumberFormat(this.locale, {
      style: "currency",
      currency: "EUR",
      maximumFractionDigits: 0,
    }).format(cents / 100);
  }

  /** Euros with cents, from a decimal amount of euros (unit costs): €1.48 / 1,48 €. */
  eurUnit(euros: number): string {
    return new Intl.NumberFormat(this.locale, {
      style: "currency",
      currency: "EUR",
      minimumFractionDigits: 2,
      maximumFractionDigits: 2,
    }).format(euros);
  }

  /** Euros in short form for cards and charts: €1.5B / 1,5 Md €. */
  eurShort(cents: number): string {
    return new Intl.NumberFormat(this.locale, {
      style: "currency",
      currency: "EUR",
      notation: "compact",
      maximumFractionDigits: 1,
    }).format(cents / 100);
  }

  num(value: number, digits = 0): string {
    return new Intl.NumberFormat(this.locale, {
      minimumFractionDigits: digits,
      maximumFractionDigits: digits,
    }).format(value);
  }

  pct(share: number, digits = 0): string {
    return new Intl.NumberFormat(this.locale, {
      style: "percent",
      minimumFractionDigits: digits,
      maximumFractionDigits: digits,
    }).format(share);
  }

  date(iso: string): string {
    const d = new Date(`${iso.slice(0, 10)}T00:00:00Z`);
    return new Intl.DateTimeFormat(this.locale, { dateStyle: "medium", timeZone: "UTC" }).format(d);
  }
}

export const i18n = new I18n();
