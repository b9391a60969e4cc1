/**
 * Discovers a target: every node must answer `GET /contract` (version 1) with its own node id.
 */
import { send } from './client.ts';
import type { Contract, NodeUrls, Target } from './types.ts';
import { TargetError } from '../../core/errors.ts';

export interface TargetInput {
  label?: string;
  nodes: string[];
  entry?: string;
  entryTls?: string;
  password: string;
}

function checkContract(url: string, body: unknown): Contract {
  const c = body as Partial<Contract> | undefined;
  const fields: [keyof Contract, string][] = [
    ['node', 'string'],
    ['cookieName', 'string'],
    ['idleTimeoutMs', 'number'],
    ['absoluteTimeoutMs', 'number'],
    ['maxSessionBytes', 'number'],
  ];
  if (c?.contract !== 1) throw new TargetError(`${url}/contract does not declare "contract": 1`);
  for (const [name, type] of fields) {
    if (typeof c[name] !== type)
      throw new TargetError(`${url}/contract: "${name}" should be a ${type}`);
  }
  if (!Array.isArray(c.capabilities))
    throw new TargetError(`${url}/contract: "capabilities" should be an array`);
  return c as Contract;
}

export async function discoverTarget(input: TargetInput): Promise<Target> {
  const [first, ...rest] = input.nodes;
  if (first === undefined) throw new TargetError('a target needs at least one node URL');
  const nodes: NodeUrls = [first, ...rest];
  const contracts: Contract[] = [];
  for (const url of input.nodes) {
    const reply = await send(`${url}/contract`, 'GET', { timeoutMs: 5000 }).catch(
      (error: Error) => {
        throw new TargetError(`${url} did not answer GET /contract: ${error.message}`);
      },
    );
    if (reply.status !== 200) throw new TargetError(`${url}/contract answered ${reply.status}`);
    contracts.push(checkContract(url, reply.body));
  }
  const ids = new Set(contracts.map((c) => c.node));
  if (ids.size !== contracts.length)
    throw new TargetError(
      `the nodes must have distinct ids, got ${contracts.map((c) => c.node).join(', ')}`,
    );
  const contract = contracts[0] as Contract;
  return {
    label: input.label ?? input.entry ?? first,
    nodes,
    nodeIds: contracts.map((c) => c.node),
    entry: input.entry ?? first,
    hasEntry: input.entry !== undefined,
    ...(input.entryTls === undefined ? {} : { entryTls: input.entryTls }),
    password: input.password,
    contract,
  };
}
