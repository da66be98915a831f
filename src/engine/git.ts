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

/** The commit that last changed a set of paths, and its commit time. */
export interface InputsCommit {
  sha: string;
  date: string;
}

/**
 * The last commit that changed `paths` (an image's standalone build context, output/<image>/), when
 * they are committed and clean; undefined otherwise. Labels made from it let a rebuild of unchanged
 * inputs at a later commit give the very same image ID, so results kept by image ID stay valid.
 */
export async function inputsCommit(root: string, paths: string[]): Promise<InputsCommit | undefined> {
  const [log, status] = await Promise.all([
    git(root, ['log', '-1', '--format=%H %cI', '--', ...paths]),
    git(root, ['status', '--porcelain', '--', ...paths]),
  ]);
  if (!log || status) return undefined;
  const [sha, date] = log.split(' ');
  return sha && date ? { sha, date: new Date(date).toISOString() } : undefined;
}
