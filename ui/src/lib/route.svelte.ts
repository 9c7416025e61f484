// Hash routes, so that the browser's back/forward (Alt+←/→) move between views.
export type Route =
  | { view: "dashboard" }
  | { view: "bids"; call: string | null }
  | { view: "bid"; id: number }
  | { view: "compute"; call: string | null }
  | { view: "finance"; bid: number | null }
  | { view: "evaluation"; call: string | null; tab?: string | null }
  | { view: "import" }
  | { view: "calls" }
  | { view: "call"; code: string; tab: string }
  | { view: "experts"; tab: string; call: string | null }
  | { view: "audit" }
  | { view: "expert" }
  | { view: "workspace" }
  | { view: "programme"; code: string | null; tab: string }
  | { view: "award"; id: number };

export function parse(hash: string): Route {
  const [path = "", query = ""] = hash.replace(/^#/, "").split("?");
  const parts = path.split("/").filter(Boolean);
  if (parts[0] === "bids") {
    const call = new URLSearchParams(query).get("call");
    return { view: "bids", call };
  }
  if (parts[0] === "compute") {
    return { view: "compute", call: new URLSearchParams(query).get("call") };
  }
  if (parts[0] === "finance") {
    const bid = new URLSearchParams(query).get("bid");
    return { view: "finance", bid: bid && /^\d+$/.test(bid) ? Number(bid) : null };
  }
  if (parts[0] === "evaluation") {
    const q = new URLSearchParams(query);
    return { view: "evaluation", call: q.get("call"), tab: q.get("tab") };
  }
  if (parts[0] === "calls" && parts[1]) {
    const tab = new URLSearchParams(query).get("tab") ?? "settings";
    return { view: "call", code: decodeURIComponent(parts[1]), tab };
  }
  if (parts[0] === "calls") return { view: "calls" };
  if (parts[0] === "experts") {
    const q = new URLSearchParams(query);
    return { view: "experts", tab: q.get("tab") ?? "roster", call: q.get("call") };
  }
  if (parts[0] === "audit") return { view: "audit" };
  if (parts[0] === "portfolio") {
    const tab = new URLSearchParams(query).get("tab") ?? "overview";
    return { view: "programme", code: parts[1] ? decodeURIComponent(parts[1]) : null, tab };
  }
  if (parts[0] === "award" && parts[1] && /^\d+$/.test(parts[1])) return { view: "award", id: Number(parts[1]) };
  if (parts[0] === "expert") return { view: "expert" };
  if (parts[0] === "workspace") return { view: "workspace" };
  if (parts[0] === "import") {
    return { view: "import" };
  }
  if (parts[0] === "bid" && parts[1] && /^\d+$/.test(parts[1])) {
    return { view: "bid", id: Number(parts[1]) };
  }
  return { view: "dashboard" };
}

export function href(route: Route): string {
  switch (route.view) {
    case "dashboard":
      return "#/";
    case "bids":
      return route.call ? `#/bids?call=${encodeURIComponent(route.call)}` : "#/bids";
    case "bid":
      return `#/bid/${route.id}`;
    case "compute":
      return route.call ? `#/compute?call=${encodeURIComponent(route.call)}` : "#/compute";
    case "finance":
      return route.bid === null ? "#/finance" : `#/finance?bid=${route.bid}`;
    case "evaluation": {
      const q = new URLSearchParams();
      if (route.call) q.set("call", route.call);
      if (route.tab) q.set("tab", route.tab);
      const qs = q.toString();
      return qs ? `#/evaluation?${qs}` : "#/evaluation";
    }
    case "import":
      return "#/import";
    case "calls":
      return "#/calls";
    case "call":
      return `#/calls/${encodeURIComponent(route.code)}${route.tab && route.tab !== "settings" ? `?tab=${route.tab}` : ""}`;
    case "experts": {
      const q = new URLSearchParams({ tab: route.tab });
      if (route.call) q.set("call", route.call);
      return `#/experts?${q.toString()}`;
    }
    case "audit":
      return "#/audit";
    case "expert":
      return "#/expert";
    case "workspace":
      return "#/workspace";
    case "programme": {
      const base = route.code ? `#/portfolio/${encodeURIComponent(route.code)}` : "#/portfolio";
      return route.tab && route.tab !== "overview" ? `${base}?tab=${route.tab}` : base;
    }
    case "award":
      return `#/award/${route.id}`;
  }
}

class Router {
  current = $state<Route>(parse(globalThis.location?.hash ?? ""));

  constructor() {
    globalThis.addEventListener?.("hashchange", () => {
      this.current = parse(location.hash);
    });
  }

  go(route: Route) {
    location.hash = href(route);
  }
}

export const router = new Router();

/** A submission package the app was started on (a double-click on it): the import view
 *  inspects it when it opens, once. */
export const startupSubmission = $state<{ path: string | null }>({ path: null });
