/** What a command CI gates on returns: its text, and whether it passed (else the CLI exits 2). */
export interface GateReport {
  passed: boolean;
  text: string;
}
