import { NextResponse } from 'next/server';
import { getScheduler } from '../../../lib/scheduler.js';

// Read at request time, never prerendered at build time (when no scheduler runs).
export const dynamic = 'force-dynamic';

export async function GET() {
  const { scheduler, heartbeats } = getScheduler();
  const jobs = (await scheduler.getJobs()).map((job) => ({
    id: job.id,
    trigger: job.trigger.toString(),
    nextRunTime: job.nextRunTime,
  }));
  return NextResponse.json({ pid: process.pid, state: scheduler.state, heartbeats, jobs });
}
