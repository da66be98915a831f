import { execa } from 'execa';

export interface GitInfo {
  sha: string | undefined;
  branch: string | undefined;
  remote: string | undefined;
  dirty: boolean;
}

async function git(root: string, args: string[]): Promise<string | undefined> {
  const r = await execa('git', args, { cwd: root, reject: false });
  return r.failed ? undefined : r.stdout.trim() || undefined;
}

/** Commit, branch (the PR's head branch on GitHub Actions) and remote of the repository. */
export async function gitInfo(root: string): Promise<GitInfo> {
  const [sha, localBranch, remote, status] = await Promise.all([
    git(root, ['rev-parse', 'HEAD']),
    git(root, ['rev-parse', '--abbrev-ref', 'HEAD']),
    git(root, ['config', '--get', 'remote.origin.url']),
    git(root, ['status', '--porcelain']),
  ]);
  const ciBranch = process.env.GITHUB_HEAD_REF || process.env.GITHUB_REF_NAME || undefined;
  const branch = ciBranch ?? (localBranch && localBranch !== 'HEAD' ? localBranch : undefined);
  return { sha, branch, remote, dirty: Boolean(status) };
}
