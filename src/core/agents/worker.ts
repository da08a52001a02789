// Entry point of every agent worker thread (bundled as dist/worker.js). The kind of agent
// comes in workerData; the first message is `init`, then commands and events follow.
import { parentPort, workerData } from 'node:worker_threads';
import type { Agent, AgentContext } from './agent';
import { ExecutorAgent } from './executor';
import { GitAgent } from './git';
import type { AgentToCoordinator, CoordinatorToAgent, WorkerData } from './messages';
import { MonitorAgent } from './monitor';
import { QualityGateAgent } from './quality';
import { SafetyAgent } from './safety';
import { DependencyValidatorAgent } from './dependencyValidator';
import { WorkflowAgent } from './workflow';

const FACTORIES: Record<WorkerData['kind'], (ctx: AgentContext) => Agent> = {
  executor: (ctx) => new ExecutorAgent(ctx),
  workflow: (ctx) => new WorkflowAgent(ctx),
  monitor: (ctx) => new MonitorAgent(ctx),
  validator: (ctx) => new DependencyValidatorAgent(ctx),
  git: (ctx) => new GitAgent(ctx),
  quality: (ctx) => new QualityGateAgent(ctx),
  safety: (ctx) => new SafetyAgent(ctx),
};

function main(): void {
  const port = parentPort;
  if (!port) throw new Error('dist/worker.js is an agent worker: the coordinator starts it, not a person.');
  const { kind, agent: agentId } = workerData as WorkerData;
  const send = (m: AgentToCoordinator): void => port.postMessage(m);
  let agent: Agent | undefined;
  let heartbeat: NodeJS.Timeout | undefined;

  port.on('message', (m: CoordinatorToAgent) => {
    if (m.type === 'init') {
      const ctx: AgentContext = { agent: agentId, kind, init: m, send, emit: (event) => send({ type: 'emit', event }) };
      try {
        agent = FACTORIES[kind](ctx);
      } catch (err) {
        send({ type: 'fatal', message: (err as Error).message });
        return;
      }
      heartbeat = setInterval(() => send({ type: 'heartbeat' }), m.heartbeatMs);
      send({ type: 'ready' });
      return;
    }
    if (m.type === 'shutdown') {
      if (heartbeat) clearInterval(heartbeat);
      void (agent?.dispose() ?? Promise.resolve()).finally(() => {
        port.close();
        process.exit(0);
      });
      return;
    }
    if (m.type === 'event') {
      // The pool delivers only the types this kind subscribes to.
      agent?.observe?.(m.event as never);
      return;
    }
    void Promise.resolve(agent?.handle?.(m)).catch((err: unknown) => {
      send({ type: 'fatal', message: (err as Error).message });
    });
  });
}

main();
