/**
 * A conformance check: what Grafana enforces on one kind of provisioned file, where in Grafana's source it does
 * so (file and function, read in grafana/grafana for the release docker-compose.yml pins), and a function that
 * lists every violation in our files. The checks are our own code written from that reading, not Grafana's.
 */
import type { Provisioned } from '../provisioned.js';

export interface Check {
  /** short stable id, used by the mutation tests */
  id: string;
  /** Grafana source file and function the check mirrors */
  mirrors: string;
  /** what would happen in Grafana if the check failed */
  consequence: string;
  run(p: Provisioned): string[];
}

/** Grafana's short uid rule: at most 40 characters of letters, digits, '-' and '_' (pkg/util/shortid_generator.go ValidateUID). */
export const validUid = (uid: string | undefined): boolean => typeof uid === 'string' && uid.length > 0 && uid.length <= 40 && /^[a-zA-Z0-9\-_]*$/.test(uid);
