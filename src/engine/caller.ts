// Who started this run, for the audit trail: keepalived, a person (through sudo), a FIFO reader.
import fs from 'node:fs';
import os from 'node:os';

export interface Caller {
  pid: number;
  ppid: number;
  parent: string | null;
  user: string;
}

export function whoCalled(): Caller {
  let parent: string | null = null;
  try {
    parent = fs.readFileSync(`/proc/${process.ppid}/comm`, 'utf8').trim();
  } catch {
    parent = null;
  }
  let user = 'unknown';
  try {
    user = process.env.SUDO_USER ? `${os.userInfo().username} (sudo by ${process.env.SUDO_USER})` : os.userInfo().username;
  } catch {
    // No passwd entry.
  }
  return { pid: process.pid, ppid: process.ppid, parent, user };
}
