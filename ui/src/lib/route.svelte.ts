// Hash routes, so that the browser's back/forward (Alt+←/→) move between views.
export type Route =
  | { view: "dashboard" }
  | { view: "bids"; call: string | null }
  | { view: "bid"; id: number }
  | { view: "compute"; call: string | null }
  | { view: "finance"; bid: number | null }
  | { view: "evaluation"; call: string | null }
  | { view: "import" };

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
    return { view: "evaluation", call: new URLSearchParams(query).get("call") };
  }
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
    case "evaluation":
      return route.call ? `#/evaluation?call=${encodeURIComponent(route.call)}` : "#/evaluation";
    case "import":
      return "#/import";
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
