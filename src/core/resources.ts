import * as os from 'node:os';

/** CPU busy fraction since the previous call, from the kernel's per-CPU counters. */
export class CpuSampler {
  private last = this.read();

  private read(): { idle: number; total: number } {
    let idle = 0;
    let total = 0;
    for (const c of os.cpus()) {
      idle += c.times.idle;
      total += c.times.idle + c.times.user + c.times.nice + c.times.sys + c.times.irq;
    }
    return { idle, total };
  }

  sample(): number {
    const now = this.read();
    const dt = now.total - this.last.total;
    const di = now.idle - this.last.idle;
    this.last = now;
    return dt > 0 ? Math.min(1, Math.max(0, 1 - di / dt)) : 0;
  }
}

export function memoryPressure(): number {
  return 1 - os.freemem() / os.totalmem();
}
