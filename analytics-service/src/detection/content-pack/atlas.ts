/**
 * MITRE ATLAS techniques the catalogue tags, with their names and the tactic each is filed under, for SIEM formats
 * that want the full threat entry (Kibana's `threat`: framework, tactic, techniques, each with id, name and
 * reference). Names and tactics as ATLAS publishes them (atlas.mitre.org); where ATLAS files a technique under
 * several tactics, the one matching how our rules detect it is used.
 */
export interface AtlasEntry {
  name: string;
  tactic: { id: string; name: string };
}

const TACTICS = {
  modelAccess: { id: 'AML.TA0000', name: 'AI Model Access' },
  initialAccess: { id: 'AML.TA0004', name: 'Initial Access' },
  execution: { id: 'AML.TA0005', name: 'Execution' },
  defenseEvasion: { id: 'AML.TA0007', name: 'Defense Evasion' },
  discovery: { id: 'AML.TA0008', name: 'Discovery' },
  exfiltration: { id: 'AML.TA0010', name: 'Exfiltration' },
  impact: { id: 'AML.TA0011', name: 'Impact' },
  privilegeEscalation: { id: 'AML.TA0012', name: 'Privilege Escalation' },
  credentialAccess: { id: 'AML.TA0013', name: 'Credential Access' },
} as const;

export const ATLAS_TECHNIQUES: Readonly<Record<string, AtlasEntry>> = {
  'AML.T0012': { name: 'Valid Accounts', tactic: TACTICS.initialAccess },
  'AML.T0013': { name: 'Discover AI Model Ontology', tactic: TACTICS.discovery },
  'AML.T0014': { name: 'Discover AI Model Family', tactic: TACTICS.discovery },
  'AML.T0015': { name: 'Evade AI Model', tactic: TACTICS.defenseEvasion },
  'AML.T0024': { name: 'Exfiltration via AI Inference API', tactic: TACTICS.exfiltration },
  'AML.T0029': { name: 'Denial of AI Service', tactic: TACTICS.impact },
  'AML.T0031': { name: 'Erode AI Model Integrity', tactic: TACTICS.impact },
  'AML.T0034': { name: 'Cost Harvesting', tactic: TACTICS.impact },
  'AML.T0040': { name: 'AI Model Inference API Access', tactic: TACTICS.modelAccess },
  'AML.T0051': { name: 'LLM Prompt Injection', tactic: TACTICS.execution },
  'AML.T0051.000': { name: 'Direct', tactic: TACTICS.execution },
  'AML.T0053': { name: 'AI Agent Tool Invocation', tactic: TACTICS.execution },
  'AML.T0054': { name: 'LLM Jailbreak', tactic: TACTICS.privilegeEscalation },
  'AML.T0055': { name: 'Unsecured Credentials', tactic: TACTICS.credentialAccess },
  'AML.T0057': { name: 'LLM Data Leakage', tactic: TACTICS.exfiltration },
  'AML.T0086': { name: 'Exfiltration via AI Agent Tool Invocation', tactic: TACTICS.exfiltration },
};

export const atlasTechniqueUrl = (id: string) => `https://atlas.mitre.org/techniques/${id}/`;
export const atlasTacticUrl = (id: string) => `https://atlas.mitre.org/tactics/${id}/`;
