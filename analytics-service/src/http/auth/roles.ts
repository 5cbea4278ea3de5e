/** API key roles. `admin` may do everything; `ingest` writes events; `read` reads everything else. */
export const ROLES = ['ingest', 'read', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export function roleAllows(held: Role, required: Role): boolean {
  return held === 'admin' || held === required;
}
