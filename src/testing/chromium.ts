/** The Chromium binary the browser suites drive: KFC_CHROMIUM, else Debian's. No playwright import here. */
export function chromiumPath(env: Record<string, string | undefined> = process.env): string {
  return env.KFC_CHROMIUM ?? '/usr/bin/chromium';
}
