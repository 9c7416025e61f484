// Helpers shared by the forms: where a problem is, the problems of one field, and numbers
// typed the way the user's language writes them.
import { ApiError } from "./api";
import type { Problem } from "./bindings";

/** `file · sheet · cell · field`, leaving out what is unknown. */
export function where(p: Problem): string {
  return [p.location.file, p.location.sheet, p.location.cell, p.location.field].filter(Boolean).join(" · ");
}

/** The problems of a refusal, or one problem holding the message of another error. */
export function problemsOf(e: unknown): Problem[] {
  if (e instanceof ApiError) {
    if (e.problems.length) return e.problems;
    return [{ location: { file: null, sheet: null, cell: null, field: null }, rule: e.message, found: null }];
  }
  return [{ location: { file: null, sheet: null, cell: null, field: null }, rule: String(e), found: null }];
}

/** Problems keyed by `sheet.field` (or `field` alone), for messages beside their inputs. */
export function byField(problems: Problem[]): Map<string, Problem[]> {
  const m = new Map<string, Problem[]>();
  for (const p of problems) {
    const key = [p.location.sheet, p.location.field].filter(Boolean).join(".");
    m.set(key, [...(m.get(key) ?? []), p]);
  }
  return m;
}

/** A decimal number typed in the user's language: `1 234,5` (fr) or `1,234.5` (en). */
export function parseNumber(text: string, locale: string): number | null {
  const parts = new Intl.NumberFormat(locale).formatToParts(12345.6);
  const group = parts.find((p) => p.type === "group")?.value ?? ",";
  const decimal = parts.find((p) => p.type === "decimal")?.value ?? ".";
  let t = text.trim().replace(/[\s\u00a0\u202f]/g, "");
  if (!t) return null;
  if (group.trim()) t = t.split(group).join("");
  t = t.replace(decimal, ".");
  // A dot left in a French number is a decimal point too (what a keyboard's keypad types).
  if (!/^-?\d+(\.\d+)?$/.test(t)) return null;
  return Number(t);
}

/** A number for an input, in the user's language, without grouping when `plain`. */
export function formatNumber(value: number, locale: string, digits = 6, plain = false): string {
  return new Intl.NumberFormat(locale, { maximumFractionDigits: digits, useGrouping: !plain }).format(value);
}
