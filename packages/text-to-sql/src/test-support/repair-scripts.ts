// Test scaffolding: scripts for @aquila/runtime's writeScriptedModel that make a model whose SQL fails to run and
// whose answer to the repair request (which ends with the last line of sqlRepairTemplate) runs.
import type { Script } from '@aquila/runtime/testing';
import { sqlRepairTemplate } from '../repair-sql.js';

/** The last line of every repair request: a model (or a stand-in) that sees it answers the corrected SQL. */
export const repairRequestEnd = sqlRepairTemplate.slice(sqlRepairTemplate.lastIndexOf('\n') + 1);

/** Any prompt gets `SELECT * FROM nowhere`; the repair request gets `select count(*) from singer`. */
export const repairScripts: readonly Script[] = [
  { output: 'SELECT * FROM nowhere' },
  { after: `${repairRequestEnd}\n`, output: 'select count(*) from singer' },
];
